// See attention.h.
#include "roberta/model/attention.h"
#include "roberta/model/dropout.h"


#include "roberta/model/attention_kernel.h"

// Legend: B = batch, T = sequence length, H = hidden, N = heads, D = H / N.

namespace roberta {


RobertaSelfAttentionImpl::RobertaSelfAttentionImpl(const ModelOptions& options) : options_(options) {
  TORCH_CHECK(options.hidden % options.heads == 0, "heads must divide hidden");
  query = register_module("query", torch::nn::Linear(options.hidden, options.hidden));
  key = register_module("key", torch::nn::Linear(options.hidden, options.hidden));
  value = register_module("value", torch::nn::Linear(options.hidden, options.hidden));
}

at::Tensor RobertaSelfAttentionImpl::forward(const at::Tensor& x, const at::Tensor& additive_mask) {
  const int64_t batch = x.size(0), seq_len = x.size(1), hidden = x.size(2);
  const int64_t heads = options_.heads, head_dim = hidden / heads;
  // One [B*T,H] x [H,3H] matmul instead of three: the weight concat is 3H^2 floats, small next
  // to the B*T*3H output, and autograd splits the gradient back into the three parameters.
  at::Tensor w_qkv = at::cat({query->weight, key->weight, value->weight}, 0);  // [3H,H]
  at::Tensor b_qkv = at::cat({query->bias, key->bias, value->bias}, 0);        // [3H]
  at::Tensor qkv = at::linear(x, w_qkv, b_qkv);                                // [B,T,3H]
  qkv = qkv.view({batch, seq_len, 3, heads, head_dim}).permute({2, 0, 3, 1, 4});  // [3,B,N,T,D]
  const double p = is_training() ? options_.attention_dropout : 0.0;
  at::Tensor context = attention_kernel(qkv[0], qkv[1], qkv[2], additive_mask, p);  // [B,N,T,D]
  return context.transpose(1, 2).reshape({batch, seq_len, hidden});                 // [B,T,H]
}

RobertaSelfOutputImpl::RobertaSelfOutputImpl(const ModelOptions& options) : dropout_(options.dropout) {
  dense = register_module("dense", torch::nn::Linear(options.hidden, options.hidden));
  layer_norm = register_module(
      "LayerNorm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({options.hidden}).eps(options.layer_norm_eps)));
}

at::Tensor RobertaSelfOutputImpl::forward(const at::Tensor& context, const at::Tensor& residual) {
  at::Tensor y = dense(context);  // [B,T,H]
  y = roberta::dropout(y, dropout_, is_training());
  return layer_norm(y + residual);  // [B,T,H]
}

RobertaAttentionImpl::RobertaAttentionImpl(const ModelOptions& options) {
  self = register_module("self", RobertaSelfAttention(options));
  output = register_module("output", RobertaSelfOutput(options));
}

at::Tensor RobertaAttentionImpl::forward(const at::Tensor& x, const at::Tensor& additive_mask) {
  return output(self(x, additive_mask), x);  // [B,T,H]
}

}  // namespace roberta
