// Metrics against cases worked out by hand (the arithmetic is in the comments).
#include "roberta/tasks/metrics.h"

#include "tests/catch.h"

#include <cmath>

using namespace roberta;

TEST_CASE("accuracy", "[tasks][metrics]") {
  // 3 of 4 agree.
  CHECK(accuracy({1, 0, 1, 1}, {1, 0, 0, 1}) == Approx(0.75));
  CHECK(accuracy({}, {}) == 0.0);
  CHECK_THROWS(accuracy({1}, {1, 0}));
}

TEST_CASE("binary F1 (positive class 1)", "[tasks][metrics]") {
  // pred  1 1 0 1 0 0
  // gold  1 0 0 1 1 0   TP = 2 (0, 3), FP = 1 (1), FN = 1 (4): P = R = 2/3, F1 = 2/3.
  CHECK(binary_f1({1, 1, 0, 1, 0, 0}, {1, 0, 0, 1, 1, 0}) == Approx(2.0 / 3.0));
  // Nothing positive anywhere: 0 (scikit-learn's zero_division default).
  CHECK(binary_f1({0, 0}, {0, 0}) == 0.0);
  // Positive class 0 on the first case: TP = 2 (2, 5), FP = 1 (4), FN = 1 (1): 2/3 again.
  CHECK(binary_f1({1, 1, 0, 1, 0, 0}, {1, 0, 0, 1, 1, 0}, 0) == Approx(2.0 / 3.0));
}

TEST_CASE("macro F1 over three classes", "[tasks][metrics]") {
  // gold 0 0 1 1 2 2
  // pred 0 1 1 1 2 0
  // class 0: TP 1, FP 1 (5), FN 1 (1): F1 = 2/4 = 1/2
  // class 1: TP 2, FP 1 (1), FN 0:     F1 = 4/5
  // class 2: TP 1, FP 0, FN 1 (5):     F1 = 2/3
  // mean = (15 + 24 + 20) / 30 / 3 = 59/90
  CHECK(macro_f1({0, 1, 1, 1, 2, 0}, {0, 0, 1, 1, 2, 2}) == Approx(59.0 / 90.0));
  CHECK(macro_f1({3, 4}, {3, 4}) == Approx(1.0));
}

TEST_CASE("Matthews correlation", "[tasks][metrics]") {
  // Binary case above: TP 2, TN 2, FP 1, FN 1: (4 - 1) / sqrt(3^4) = 1/3.
  CHECK(matthews_correlation({1, 1, 0, 1, 0, 0}, {1, 0, 0, 1, 1, 0}) == Approx(1.0 / 3.0));
  CHECK(matthews_correlation({0, 1, 1, 0}, {0, 1, 1, 0}) == Approx(1.0));
  CHECK(matthews_correlation({1, 0, 0, 1}, {0, 1, 1, 0}) == Approx(-1.0));
  // A constant predictor (CoLA's classic failure): denominator 0 -> 0.
  CHECK(matthews_correlation({1, 1, 1, 1}, {0, 1, 1, 0}) == 0.0);
  // Three classes (macro-F1 case): n = 6, c = 4, t = (2,2,2), p = (2,3,1):
  // sum p t = 4 + 6 + 2 = 12; (4*6 - 12) / sqrt((36 - 14)(36 - 12)) = 12 / sqrt(528).
  CHECK(matthews_correlation({0, 1, 1, 1, 2, 0}, {0, 0, 1, 1, 2, 2}) ==
        Approx(12.0 / std::sqrt(528.0)));
}

TEST_CASE("Pearson and Spearman (ties share the average rank)", "[tasks][metrics]") {
  // x = 1..5, y = 2 4 5 4 5: dx = -2 -1 0 1 2, dy = -2 0 1 0 1;
  // sum dx dy = 4 + 2 = 6, sum dx^2 = 10, sum dy^2 = 6: r = 6 / sqrt(60).
  const std::vector<double> x{1, 2, 3, 4, 5}, y{2, 4, 5, 4, 5};
  CHECK(pearson(x, y) == Approx(6.0 / std::sqrt(60.0)));
  // ranks(y) = 1, 2.5, 4.5, 2.5, 4.5 (mean 3): d = -2 -0.5 1.5 -0.5 1.5;
  // sum dx d = 4 + 0.5 + 0 - 0.5 + 3 = 7, sum d^2 = 9: rho = 7 / sqrt(90).
  CHECK(average_ranks(y) == std::vector<double>{1, 2.5, 4.5, 2.5, 4.5});
  CHECK(spearman(x, y) == Approx(7.0 / std::sqrt(90.0)));
  CHECK(average_ranks({10, 20, 10, 30}) == std::vector<double>{1.5, 3, 1.5, 4});
  // Monotone but non-linear: Spearman 1, Pearson < 1; reversed: -1.
  CHECK(spearman({1, 2, 3}, {1, 10, 1000}) == Approx(1.0));
  CHECK(pearson({1, 2, 3}, {1, 10, 1000}) < 0.9);
  CHECK(spearman({1, 2, 3}, {3, 2, 1}) == Approx(-1.0));
  CHECK(pearson({1, 1, 1}, {1, 2, 3}) == 0.0);  // constant input
}
