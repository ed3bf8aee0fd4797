// The one place that knows which LibTorch we build against: torch 2.x has a fused
// scaled-dot-product attention (flash / memory-efficient kernels on GPU), 1.13 does not, so
// there we spell out softmax(q k^T / sqrt(d) + mask) v.
//
// Legend: B = batch, N = heads, T = sequence length, D = head width.
#pragma once

#include <ATen/ATen.h>

namespace roberta {

// q, k, v [B,N,T,D]; additive_mask [B,1,1,T] (0 for real keys, a large negative number for
// padded keys) or undefined; dropout_p applies to the attention probabilities (pass 0 in
// eval mode). Returns the context [B,N,T,D].
at::Tensor attention_kernel(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                            const at::Tensor& additive_mask, double dropout_p);

// Whether attention_kernel runs torch's fused scaled_dot_product_attention.
bool attention_kernel_is_fused();

}  // namespace roberta
