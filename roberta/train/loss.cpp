// Summed losses and their global normalisation (see loss.h).
#include "roberta/train/loss.h"

#include "roberta/model/cpu_kernels.h"

#include <ATen/ops/cross_entropy_loss.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <cmath>

namespace roberta {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Summed softmax cross-entropy over float32 CPU logits [M, V] in one pass each way
// (cpu_kernels.h); saves the logits, the targets and each row's max and log-sum.
struct SoftmaxCrossEntropySum : public torch::autograd::Function<SoftmaxCrossEntropySum> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& logits, const at::Tensor& targets,
                            int64_t ignore_index) {
    const int64_t rows = logits.size(0), cols = logits.size(1);
    at::Tensor lse = at::empty({2, rows}, logits.options());  // [2,M] row max, log-sum of exp(x - max)
    std::vector<double> row_loss(static_cast<size_t>(rows));
    softmax_xent_forward_cpu(logits.data_ptr<float>(), rows, cols, targets.data_ptr<int64_t>(), ignore_index,
                             lse[0].data_ptr<float>(), lse[1].data_ptr<float>(), row_loss.data());
    double total = 0.0;  // in row order whatever the thread count
    for (double value : row_loss) total += value;
    ctx->save_for_backward({logits, targets, lse});
    ctx->saved_data["ignore_index"] = ignore_index;
    return at::scalar_tensor(total, logits.options());
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const variable_list saved = ctx->get_saved_variables();
    const at::Tensor& logits = saved[0];
    const at::Tensor& targets = saved[1];
    const at::Tensor& lse = saved[2];
    const float scale = grad_outputs[0].item<float>();
    at::Tensor grad = at::empty_like(logits);  // [M,V]
    softmax_xent_backward_cpu(logits.data_ptr<float>(), logits.size(0), logits.size(1),
                              targets.data_ptr<int64_t>(), ctx->saved_data["ignore_index"].toInt(),
                              lse[0].data_ptr<float>(), lse[1].data_ptr<float>(), scale, grad.data_ptr<float>());
    return {grad, at::Tensor(), at::Tensor()};
  }
};

bool fused_cross_entropy_applies(const at::Tensor& logits) {
  return logits.device().is_cpu() && logits.scalar_type() == at::kFloat && logits.size(1) > 0;
}

}  // namespace

at::Tensor softmax_cross_entropy_sum(const at::Tensor& logits, const at::Tensor& targets, int64_t ignore_index) {
  TORCH_CHECK(logits.dim() == 2, "softmax_cross_entropy_sum: logits must be [M, V], got ", logits.sizes());
  TORCH_CHECK(targets.dim() == 1 && targets.size(0) == logits.size(0),
              "softmax_cross_entropy_sum: targets must be [M] with M = ", logits.size(0), ", got ",
              targets.sizes());
  if (!fused_cross_entropy_applies(logits)) {
    return at::cross_entropy_loss(logits.to(at::kFloat), targets.to(at::kLong), /*weight=*/{},
                                  at::Reduction::Sum, ignore_index);
  }
  at::Tensor t = targets.to(at::kLong).contiguous();
  const int64_t cols = logits.size(1);
  // The same check as nll_loss: a target outside the vocabulary is a data error, not a crash.
  const at::Tensor bad = (t != ignore_index) & ((t < 0) | (t >= cols));
  TORCH_CHECK(!bad.any().item<bool>(), "Target ", t.masked_select(bad)[0].item<int64_t>(),
              " is out of bounds (", cols, " classes).");
  return SoftmaxCrossEntropySum::apply(logits.contiguous(), t, ignore_index);
}

at::Tensor mlm_loss_sum(const at::Tensor& logits, const at::Tensor& targets,
                        int64_t ignore_index) {
  TORCH_CHECK(logits.dim() == 2, "mlm_loss_sum: logits must be [M, V], got ", logits.sizes());
  TORCH_CHECK(targets.dim() == 1 && targets.size(0) == logits.size(0),
              "mlm_loss_sum: targets must be [M] with M = ", logits.size(0), ", got ",
              targets.sizes());
  if (logits.size(0) == 0) return (logits.to(at::kFloat).sum() * 0.0);
  // fp32 log-softmax: bf16/fp16 logits lose too much precision over a 50K vocabulary.
  return softmax_cross_entropy_sum(logits.to(at::kFloat), targets, ignore_index);
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
