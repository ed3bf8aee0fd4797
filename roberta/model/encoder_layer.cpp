// See encoder_layer.h.
#include "roberta/model/encoder_layer.h"
#include "roberta/model/dropout.h"


// Legend: B = batch, T = sequence length, H = hidden, F = feed-forward width.

namespace roberta {


RobertaIntermediateImpl::RobertaIntermediateImpl(const ModelOptions& options) {
  dense = register_module("dense", torch::nn::Linear(options.hidden, options.ffn));
}

at::Tensor RobertaIntermediateImpl::forward(const at::Tensor& x) {
  return at::gelu(dense(x));  // [B,T,F]; exact erf GELU, as BERT/RoBERTa were trained
}

RobertaOutputImpl::RobertaOutputImpl(const ModelOptions& options) : dropout_(options.dropout) {
  dense = register_module("dense", torch::nn::Linear(options.ffn, options.hidden));
  layer_norm = register_module(
      "LayerNorm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({options.hidden}).eps(options.layer_norm_eps)));
}

at::Tensor RobertaOutputImpl::forward(const at::Tensor& inner, const at::Tensor& residual) {
  at::Tensor y = dense(inner);  // [B,T,H]
  y = roberta::dropout(y, dropout_, is_training());
  return layer_norm(y + residual);  // [B,T,H]
}

RobertaLayerImpl::RobertaLayerImpl(const ModelOptions& options) {
  attention = register_module("attention", RobertaAttention(options));
  intermediate = register_module("intermediate", RobertaIntermediate(options));
  output = register_module("output", RobertaOutput(options));
}

at::Tensor RobertaLayerImpl::forward(const at::Tensor& x, const at::Tensor& additive_mask) {
  at::Tensor attended = attention(x, additive_mask);      // [B,T,H]
  return output(intermediate(attended), attended);        // [B,T,H]
}

}  // namespace roberta
