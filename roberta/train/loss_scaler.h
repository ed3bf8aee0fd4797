// Dynamic loss scaling for fp16 training (used only with train.precision = fp16; bf16 and fp32
// have fp32's exponent range and need none). Multiply the loss by scale() before backward,
// then unscale(): it divides the gradients by the scale and reports whether any overflowed;
// update() then halves the scale on overflow (skip that step) or doubles it after
// growth_interval clean steps.
#pragma once

#include "roberta/train/options.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

namespace torch::serialize {
class InputArchive;
class OutputArchive;
}  // namespace torch::serialize

namespace roberta {

class DynamicLossScaler {
 public:
  explicit DynamicLossScaler(const LossScalerOptions& options = {});

  double scale() const { return scale_; }
  at::Tensor scale_loss(const at::Tensor& loss) const { return loss * scale_; }

  // Divides every .grad by the scale; returns true when all gradients are finite.
  bool unscale(const std::vector<at::Tensor>& params) const;

  // After each update attempt. found_overflow: the step was skipped. Throws Error when the
  // scale would fall below min_scale (the gradients are non-finite at any scale).
  void update(bool found_overflow);

  int64_t clean_steps() const { return clean_steps_; }
  // Continue from a checkpoint's scale and clean-step count.
  void restore(double scale, int64_t clean_steps) {
    scale_ = scale;
    clean_steps_ = clean_steps;
  }
  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);

 private:
  LossScalerOptions options_;
  double scale_;
  int64_t clean_steps_ = 0;  // consecutive non-overflow steps since the last change
};

}  // namespace roberta
