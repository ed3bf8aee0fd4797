// The skip-and-count policy for non-finite updates (see nonfinite_guard.h).
#include "roberta/train/nonfinite_guard.h"

#include "util/error.h"

namespace roberta {

bool NonFiniteGuard::check(bool finite, int64_t step) {
  if (finite) {
    skipped_in_a_row_ = 0;
    return true;
  }
  ++skipped_total_;
  ++skipped_in_a_row_;
  if (max_in_a_row_ > 0 && skipped_in_a_row_ >= max_in_a_row_) {
    fail("step {}: the loss or the gradients were non-finite (inf/nan) for {} updates in a row "
         "(train.max_nonfinite_in_a_row = {}; {} skipped in total); the run has diverged: lower "
         "optim.lr, lengthen schedule.warmup_steps, set optim.clip_norm, or use bf16 instead of "
         "fp16, then resume from the last checkpoint",
         step, skipped_in_a_row_, max_in_a_row_, skipped_total_);
  }
  return false;
}

}  // namespace roberta
