// The one-line progress report rank 0 prints every log step:
//   step 120/600 | loss 7.213 | ppl 1356.2 | lr 4.0e-04 | gnorm 1.23 | 12.3k tok/s | eta 5m12s
#pragma once

#include <cstdint>
#include <string>

namespace roberta {

struct ProgressFields {
  int64_t step = 0;           // updates done
  int64_t total_steps = 0;    // train.max_steps
  double loss = 0;            // mean loss per target over the last log interval
  double ppl = 0;             // exp(loss)
  double lr = 0;              // learning rate of the last update
  double grad_norm = 0;       // global grad norm of the last update (before clipping)
  double tokens_per_s = 0;    // input tokens per second, all ranks
  double eta_seconds = -1;    // estimated time left; < 0 when unknown
  bool show_ppl = true;       // false for losses that are not per-token log-likelihoods
};

std::string format_progress_line(const ProgressFields& fields);

// 950 -> "950", 12345 -> "12.3k", 2.5e6 -> "2.50M".
std::string format_rate(double per_second);
// 42 -> "42s", 312 -> "5m12s", 3725 -> "1h02m", 90000 -> "1d01h"; negative -> "?".
std::string format_duration(double seconds);

}  // namespace roberta
