// The learning rate as a pure function of the update number: linear warmup from 0 to the peak,
// then linear / polynomial / cosine decay to end_lr at total_steps, or constant.
#pragma once

#include "roberta/train/options.h"

#include <cstdint>
#include <string>

namespace roberta {

// "linear" | "polynomial" | "cosine" | "constant"; Error naming the value otherwise.
ScheduleKind parse_schedule_kind(const std::string& name);
std::string to_string(ScheduleKind kind);

class LrSchedule {
 public:
  LrSchedule(double peak_lr, int64_t total_steps, const ScheduleOptions& options);

  // LR of update number `step`, counted from 1 (the first update is step 1, the last is
  // total_steps). Warmup: peak * step / warmup_steps, so step == warmup_steps is the peak and
  // no update runs at LR 0. Afterwards, with f = (step - warmup) / (total - warmup):
  //   linear / polynomial: end + (peak - end) * (1 - f)^power   (linear forces power 1)
  //   cosine:              end + (peak - end) * (1 + cos(pi f)) / 2
  //   constant:            peak
  // Steps past total_steps stay at end_lr (constant: peak). fairseq's polynomial_decay agrees.
  double lr(int64_t step) const;

  double peak_lr() const { return peak_lr_; }
  int64_t total_steps() const { return total_steps_; }

 private:
  double peak_lr_;
  int64_t total_steps_;
  ScheduleOptions options_;
};

}  // namespace roberta
