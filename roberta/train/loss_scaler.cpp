// Dynamic loss scaler (see loss_scaler.h).
#include "roberta/train/loss_scaler.h"

#include "roberta/train/grad_utils.h"
#include "util/error.h"

#include <torch/serialize.h>

namespace roberta {

DynamicLossScaler::DynamicLossScaler(const LossScalerOptions& options)
    : options_(options), scale_(options.init_scale) {}

bool DynamicLossScaler::unscale(const std::vector<at::Tensor>& params) const {
  scale_grads(params, 1.0 / scale_);
  // The norm is inf/nan exactly when some element is: one reduction and one host sync.
  return is_finite(grad_norm(params));
}

void DynamicLossScaler::update(bool found_overflow) {
  if (found_overflow) {
    scale_ *= options_.backoff_factor;
    clean_steps_ = 0;
    if (scale_ < options_.min_scale) {
      fail("fp16 loss scale fell below {} (gradients overflow at every scale); the run has "
           "diverged: lower optim.lr or train with train.precision = bf16",
           options_.min_scale);
    }
    return;
  }
  if (++clean_steps_ >= options_.growth_interval) {
    scale_ *= options_.growth_factor;
    clean_steps_ = 0;
  }
}

void DynamicLossScaler::save(torch::serialize::OutputArchive& archive) const {
  archive.write("loss_scale", at::tensor(scale_, at::kDouble));
  archive.write("loss_scale_clean_steps", at::tensor(clean_steps_, at::kLong));
}

void DynamicLossScaler::load(torch::serialize::InputArchive& archive) {
  at::Tensor scale, clean;
  archive.read("loss_scale", scale);
  archive.read("loss_scale_clean_steps", clean);
  scale_ = scale.item<double>();
  clean_steps_ = clean.item<int64_t>();
}

}  // namespace roberta
