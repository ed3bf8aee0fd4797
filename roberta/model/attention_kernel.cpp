// See attention_kernel.h: fused attention on torch >= 2, the explicit softmax path on 1.13.
#include "roberta/model/attention_kernel.h"
#include "roberta/model/dropout.h"

#include "roberta/torch_version.h"

#include <cmath>

// Legend: B = batch, N = heads, T = sequence length, D = head width.

namespace roberta {

bool attention_kernel_is_fused() { return ROBERTA_TORCH_AT_LEAST(2, 0); }

at::Tensor attention_kernel(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                            const at::Tensor& additive_mask, double dropout_p) {
#if ROBERTA_TORCH_AT_LEAST(2, 0)
  // The mask is added to the scores exactly as in the explicit path below. SDPA wants it in
  // q's dtype (under bf16 autocast q is bf16 while the mask was built from float embeddings).
  c10::optional<at::Tensor> mask;
  if (additive_mask.defined()) mask = additive_mask.to(q.scalar_type());
  return at::scaled_dot_product_attention(q, k, v, mask, dropout_p, /*is_causal=*/false);
#else
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  // Scaling q (T x D) is cheaper than scaling the scores (T x T) when T > D.
  at::Tensor scores = at::matmul(q * scale, k.transpose(-2, -1));  // [B,N,T,T]
  if (additive_mask.defined()) scores.add_(additive_mask);        // in place: saves a T x T copy
  at::Tensor probs = at::softmax(scores, -1);                      // [B,N,T,T]
  probs = roberta::dropout(probs, dropout_p, /*training=*/true);
  return at::matmul(probs, v);  // [B,N,T,D]
#endif
}

}  // namespace roberta
