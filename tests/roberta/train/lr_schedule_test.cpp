// Schedule values at known steps, worked out by hand from the formulas in lr_schedule.h.
#include "roberta/train/lr_schedule.h"

#include "util/error.h"

#include "tests/catch.h"

using roberta::LrSchedule;
using roberta::ScheduleKind;
using roberta::ScheduleOptions;

namespace {
ScheduleOptions make(ScheduleKind kind, int64_t warmup, double power = 1.0, double end = 0.0) {
  ScheduleOptions o;
  o.kind = kind;
  o.warmup_steps = warmup;
  o.power = power;
  o.end_lr = end;
  return o;
}
}  // namespace

TEST_CASE("linear warmup then linear decay to 0 (RoBERTa)", "[train][schedule]") {
  // peak 1e-3, warmup 10, total 110: decay runs over 100 steps.
  LrSchedule s(1e-3, 110, make(ScheduleKind::polynomial, 10));
  CHECK(s.lr(1) == Approx(1e-4));        // 1/10 of the peak
  CHECK(s.lr(5) == Approx(5e-4));
  CHECK(s.lr(10) == Approx(1e-3));       // peak at the end of warmup
  CHECK(s.lr(35) == Approx(7.5e-4));     // f = 25/100 -> 0.75 peak
  CHECK(s.lr(60) == Approx(5e-4));       // f = 0.5
  CHECK(s.lr(110) == Approx(0.0));
  CHECK(s.lr(500) == Approx(0.0));
  LrSchedule linear(1e-3, 110, make(ScheduleKind::linear, 10, /*power ignored*/ 3.0));
  CHECK(linear.lr(60) == Approx(5e-4));
}

TEST_CASE("polynomial decay with power 2 and an end LR", "[train][schedule]") {
  // peak 1.0, end 0.1, warmup 0, total 100: lr = 0.1 + 0.9 (1 - s/100)^2.
  LrSchedule s(1.0, 100, make(ScheduleKind::polynomial, 0, 2.0, 0.1));
  CHECK(s.lr(1) == Approx(0.1 + 0.9 * 0.99 * 0.99));
  CHECK(s.lr(50) == Approx(0.1 + 0.9 * 0.25));  // 0.325
  CHECK(s.lr(90) == Approx(0.1 + 0.9 * 0.01));  // 0.109
  CHECK(s.lr(100) == Approx(0.1));
}

TEST_CASE("cosine and constant schedules", "[train][schedule]") {
  // peak 2.0, warmup 4, total 104: f = (s - 4)/100; cos(pi/2) = 0 -> halfway = 1.0.
  LrSchedule cosine(2.0, 104, make(ScheduleKind::cosine, 4));
  CHECK(cosine.lr(2) == Approx(1.0));
  CHECK(cosine.lr(4) == Approx(2.0));
  CHECK(cosine.lr(54) == Approx(1.0));
  CHECK(cosine.lr(29) == Approx(1.0 + 1.0 * std::cos(M_PI / 4)));  // f = 0.25: 1 + sqrt(2)/2
  CHECK(cosine.lr(104) == Approx(0.0));

  LrSchedule constant(2.0, 104, make(ScheduleKind::constant, 4));
  CHECK(constant.lr(1) == Approx(0.5));
  CHECK(constant.lr(4) == Approx(2.0));
  CHECK(constant.lr(80) == Approx(2.0));
  CHECK(constant.lr(1000) == Approx(2.0));
}

TEST_CASE("schedule kinds parse by name, bad values are Errors", "[train][schedule]") {
  CHECK(roberta::parse_schedule_kind("cosine") == ScheduleKind::cosine);
  CHECK(roberta::to_string(ScheduleKind::polynomial) == "polynomial");
  CHECK_THROWS_WITH(roberta::parse_schedule_kind("cosin"),
                       Catch::Matchers::ContainsSubstring("cosin"));
  CHECK_THROWS_AS(LrSchedule(1e-3, 0, ScheduleOptions{}), roberta::Error);
}
