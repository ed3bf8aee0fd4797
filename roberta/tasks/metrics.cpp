// Evaluation metrics (see metrics.h). Sums in double; counts in int64.
#include "roberta/tasks/metrics.h"

#include <c10/util/Exception.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

namespace roberta {
namespace {

void check_sizes(size_t a, size_t b, const char* what) {
  TORCH_CHECK(a == b, what, ": ", a, " predictions but ", b, " labels");
}

// TP, FP, FN of one class.
struct ClassCounts {
  int64_t tp = 0, fp = 0, fn = 0;
};

ClassCounts count_class(const std::vector<int64_t>& predictions,
                        const std::vector<int64_t>& labels, int64_t cls) {
  ClassCounts c;
  for (size_t i = 0; i < labels.size(); ++i) {
    const bool predicted = predictions[i] == cls, actual = labels[i] == cls;
    c.tp += predicted && actual;
    c.fp += predicted && !actual;
    c.fn += !predicted && actual;
  }
  return c;
}

double f1(const ClassCounts& c) {
  const int64_t denominator = 2 * c.tp + c.fp + c.fn;
  return denominator == 0 ? 0.0 : 2.0 * c.tp / denominator;
}

}  // namespace

double accuracy(const std::vector<int64_t>& predictions, const std::vector<int64_t>& labels) {
  check_sizes(predictions.size(), labels.size(), "accuracy");
  if (labels.empty()) return 0.0;
  int64_t correct = 0;
  for (size_t i = 0; i < labels.size(); ++i) correct += predictions[i] == labels[i];
  return static_cast<double>(correct) / labels.size();
}

double binary_f1(const std::vector<int64_t>& predictions, const std::vector<int64_t>& labels,
                 int64_t positive) {
  check_sizes(predictions.size(), labels.size(), "binary_f1");
  return f1(count_class(predictions, labels, positive));
}

double macro_f1(const std::vector<int64_t>& predictions, const std::vector<int64_t>& labels) {
  check_sizes(predictions.size(), labels.size(), "macro_f1");
  std::set<int64_t> classes(labels.begin(), labels.end());
  classes.insert(predictions.begin(), predictions.end());
  if (classes.empty()) return 0.0;
  double sum = 0;
  for (int64_t cls : classes) sum += f1(count_class(predictions, labels, cls));
  return sum / classes.size();
}

double matthews_correlation(const std::vector<int64_t>& predictions,
                            const std::vector<int64_t>& labels) {
  check_sizes(predictions.size(), labels.size(), "matthews_correlation");
  // With n samples, c correct, t_k true and p_k predicted counts of class k:
  //   MCC = (c n - sum p_k t_k) / sqrt((n^2 - sum p_k^2)(n^2 - sum t_k^2)).
  std::map<int64_t, double> true_counts, predicted_counts;
  double correct = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    true_counts[labels[i]] += 1;
    predicted_counts[predictions[i]] += 1;
    correct += predictions[i] == labels[i];
  }
  const double n = static_cast<double>(labels.size());
  double pt = 0, pp = 0, tt = 0;
  for (const auto& [cls, t] : true_counts) {
    tt += t * t;
    auto it = predicted_counts.find(cls);
    if (it != predicted_counts.end()) pt += it->second * t;
  }
  for (const auto& [cls, p] : predicted_counts) pp += p * p;
  const double denominator = std::sqrt((n * n - pp) * (n * n - tt));
  return denominator == 0 ? 0.0 : (correct * n - pt) / denominator;
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  check_sizes(x.size(), y.size(), "pearson");
  if (x.empty()) return 0.0;
  const double n = static_cast<double>(x.size());
  const double mean_x = std::accumulate(x.begin(), x.end(), 0.0) / n;
  const double mean_y = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double dx = x[i] - mean_x, dy = y[i] - mean_y;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx == 0 || syy == 0) return 0.0;
  return sxy / std::sqrt(sxx * syy);
}

std::vector<double> average_ranks(const std::vector<double>& values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (size_t start = 0; start < order.size();) {
    size_t end = start + 1;
    while (end < order.size() && values[order[end]] == values[order[start]]) ++end;
    // Positions start..end-1 hold one value: ranks start+1..end, mean (start + 1 + end) / 2.
    const double rank = (static_cast<double>(start + 1) + static_cast<double>(end)) / 2.0;
    for (size_t k = start; k < end; ++k) ranks[order[k]] = rank;
    start = end;
  }
  return ranks;
}

double spearman(const std::vector<double>& x, const std::vector<double>& y) {
  check_sizes(x.size(), y.size(), "spearman");
  return pearson(average_ranks(x), average_ranks(y));
}

}  // namespace roberta
