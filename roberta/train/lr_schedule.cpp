// Learning-rate schedules (see lr_schedule.h).
#include "roberta/train/lr_schedule.h"

#include "util/error.h"

#include <algorithm>
#include <cmath>

namespace roberta {

ScheduleKind parse_schedule_kind(const std::string& name) {
  if (name == "linear") return ScheduleKind::linear;
  if (name == "polynomial") return ScheduleKind::polynomial;
  if (name == "cosine") return ScheduleKind::cosine;
  if (name == "constant") return ScheduleKind::constant;
  fail("schedule.kind: expected linear, polynomial, cosine or constant, found \"{}\"", name);
}

std::string to_string(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::linear: return "linear";
    case ScheduleKind::polynomial: return "polynomial";
    case ScheduleKind::cosine: return "cosine";
    case ScheduleKind::constant: return "constant";
  }
  return "?";
}

LrSchedule::LrSchedule(double peak_lr, int64_t total_steps, const ScheduleOptions& options)
    : peak_lr_(peak_lr), total_steps_(total_steps), options_(options) {
  if (peak_lr < 0) fail("optim.lr: expected >= 0, found {}", peak_lr);
  if (total_steps < 1) fail("train.max_steps: expected >= 1, found {}", total_steps);
  if (options.warmup_steps < 0) {
    fail("schedule.warmup_steps: expected >= 0, found {}", options.warmup_steps);
  }
  if (options.power <= 0) fail("schedule.power: expected > 0, found {}", options.power);
  if (options.end_lr < 0) fail("schedule.end_lr: expected >= 0, found {}", options.end_lr);
}

double LrSchedule::lr(int64_t step) const {
  const int64_t warmup = options_.warmup_steps;
  step = std::max<int64_t>(step, 1);
  if (step <= warmup) {
    return peak_lr_ * static_cast<double>(step) / static_cast<double>(warmup);
  }
  if (options_.kind == ScheduleKind::constant) return peak_lr_;
  const double end = options_.end_lr;
  if (step >= total_steps_ || total_steps_ <= warmup) return end;
  const double f = static_cast<double>(step - warmup) / static_cast<double>(total_steps_ - warmup);
  switch (options_.kind) {
    case ScheduleKind::linear: return end + (peak_lr_ - end) * (1.0 - f);
    case ScheduleKind::polynomial: return end + (peak_lr_ - end) * std::pow(1.0 - f, options_.power);
    case ScheduleKind::cosine: return end + (peak_lr_ - end) * 0.5 * (1.0 + std::cos(M_PI * f));
    case ScheduleKind::constant: break;
  }
  return peak_lr_;
}

}  // namespace roberta
