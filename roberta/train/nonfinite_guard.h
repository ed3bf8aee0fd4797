// Counts updates skipped because the loss or the gradients were not finite, and stops the run
// with a clear Error after too many in a row (a diverged run should not burn a cluster for days).
#pragma once

#include <cstdint>

namespace roberta {

class NonFiniteGuard {
 public:
  // max_in_a_row: train.max_nonfinite_in_a_row; the Error is thrown on that many consecutive
  // non-finite updates (0 disables the limit).
  explicit NonFiniteGuard(int64_t max_in_a_row) : max_in_a_row_(max_in_a_row) {}

  // Call once per update with whether loss and grad norm were finite. Returns true when the
  // optimizer may step, false when the update must be skipped. `step` only names the update in
  // the Error message.
  bool check(bool finite, int64_t step);

  int64_t skipped_total() const { return skipped_total_; }
  int64_t skipped_in_a_row() const { return skipped_in_a_row_; }
  // Restores the counters from a checkpoint.
  void restore(int64_t skipped_total, int64_t skipped_in_a_row) {
    skipped_total_ = skipped_total;
    skipped_in_a_row_ = skipped_in_a_row;
  }

 private:
  int64_t max_in_a_row_;
  int64_t skipped_total_ = 0;
  int64_t skipped_in_a_row_ = 0;
};

}  // namespace roberta
