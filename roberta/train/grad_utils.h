// Gradient utilities run once per update, after the all-reduce: the global gradient norm
// (fp32 per tensor, accumulated in double), optional clipping, and non-finite detection.
#pragma once

#include <ATen/ATen.h>

#include <vector>

namespace roberta {

// L2 norm over every defined .grad of `params` (undefined grads count as zero). Returns inf
// or nan when any gradient element is non-finite (and, as in torch.nn.utils.clip_grad_norm_,
// when one tensor's fp32 norm overflows, above ~1.8e19: such an update is garbage anyway).
double grad_norm(const std::vector<at::Tensor>& params);

// Scales every .grad by max_norm / total_norm when total_norm > max_norm (max_norm <= 0:
// no clipping). total_norm is the value grad_norm() returned, so the norm is computed once.
// Returns the factor applied (1 when untouched).
double clip_grad_norm(const std::vector<at::Tensor>& params, double max_norm, double total_norm);

// Multiplies every defined .grad by `factor` (loss-scale removal, averaging).
void scale_grads(const std::vector<at::Tensor>& params, double factor);

bool is_finite(double value);

}  // namespace roberta
