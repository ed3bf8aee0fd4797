// Summed losses and their global normalisation (see loss.h).
#include "roberta/train/loss.h"

#include <ATen/ops/cross_entropy_loss.h>

#include <algorithm>
#include <cmath>

namespace roberta {

at::Tensor mlm_loss_sum(const at::Tensor& logits, const at::Tensor& targets,
                        int64_t ignore_index) {
  TORCH_CHECK(logits.dim() == 2, "mlm_loss_sum: logits must be [M, V], got ", logits.sizes());
  TORCH_CHECK(targets.dim() == 1 && targets.size(0) == logits.size(0),
              "mlm_loss_sum: targets must be [M] with M = ", logits.size(0), ", got ",
              targets.sizes());
  if (logits.size(0) == 0) return (logits.to(at::kFloat).sum() * 0.0);
  // fp32 log-softmax: bf16/fp16 logits lose too much precision over a 50K vocabulary.
  return at::cross_entropy_loss(logits.to(at::kFloat), targets.to(at::kLong), /*weight=*/{},
                                at::Reduction::Sum, ignore_index);
}

at::Tensor nsp_loss_sum(const at::Tensor& logits, const at::Tensor& labels) {
  TORCH_CHECK(logits.dim() == 2 && logits.size(1) == 2,
              "nsp_loss_sum: logits must be [B, 2], got ", logits.sizes());
  return mlm_loss_sum(logits, labels);
}

at::Tensor scale_loss(const at::Tensor& loss_sum, int64_t global_count) {
  TORCH_CHECK(global_count >= 0, "scale_loss: negative target count ", global_count);
  if (global_count == 0) return loss_sum * 0.0;
  return loss_sum / static_cast<double>(global_count);
}

int64_t count_targets(const at::Tensor& targets, int64_t ignore_index) {
  return targets.ne(ignore_index).sum().item<int64_t>();
}

double perplexity(double mean_loss) {
  if (std::isnan(mean_loss)) return mean_loss;
  // exp(700) is near the double limit; anything that large is "diverged" anyway.
  return std::exp(std::min(mean_loss, 700.0));
}

}  // namespace roberta
