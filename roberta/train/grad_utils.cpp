// Gradient norm, clipping and scaling (see grad_utils.h).
#include "roberta/train/grad_utils.h"

#include <cmath>

namespace roberta {

double grad_norm(const std::vector<at::Tensor>& params) {
  // One fused norm per tensor, stacked, then a single host sync: a per-tensor .item() would
  // synchronise a GPU hundreds of times per step.
  std::vector<at::Tensor> norms;
  norms.reserve(params.size());
  for (const auto& param : params) {
    const auto& grad = param.grad();
    if (!grad.defined()) continue;
    norms.push_back(grad.detach().to(at::kFloat).norm(2).to(at::kDouble));
  }
  if (norms.empty()) return 0.0;
  return at::stack(norms).norm(2).item<double>();
}

double clip_grad_norm(const std::vector<at::Tensor>& params, double max_norm, double total_norm) {
  if (max_norm <= 0 || !std::isfinite(total_norm) || total_norm <= max_norm) return 1.0;
  // The 1e-6 is torch.nn.utils.clip_grad_norm_'s guard; it keeps the result just under max_norm.
  const double factor = max_norm / (total_norm + 1e-6);
  scale_grads(params, factor);
  return factor;
}

void scale_grads(const std::vector<at::Tensor>& params, double factor) {
  if (factor == 1.0) return;
  at::NoGradGuard no_grad;
  for (const auto& param : params) {
    auto grad = param.grad();
    if (grad.defined()) grad.mul_(factor);
  }
}

bool is_finite(double value) { return std::isfinite(value); }

}  // namespace roberta
