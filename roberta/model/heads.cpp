// See heads.h.
#include "roberta/model/heads.h"
#include "roberta/model/dropout.h"


// Legend: B = batch, T = sequence length, H = hidden, V = vocabulary, L = labels.

namespace roberta {


MaskedLMHeadImpl::MaskedLMHeadImpl(const ModelOptions& options) {
  dense = register_module("dense", torch::nn::Linear(options.hidden, options.hidden));
  layer_norm = register_module(
      "layer_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({options.hidden}).eps(options.layer_norm_eps)));
  bias = register_parameter("bias", at::zeros({options.vocab_size}));
}

at::Tensor MaskedLMHeadImpl::forward(const at::Tensor& features, const at::Tensor& word_embeddings) {
  at::Tensor x = layer_norm(at::gelu(dense(features)));  // [...,H]
  return at::linear(x, word_embeddings, bias);             // [...,V]
}

ClassificationHeadImpl::ClassificationHeadImpl(int64_t hidden, int64_t num_labels, double dropout)
    : dropout_(dropout) {
  dense = register_module("dense", torch::nn::Linear(hidden, hidden));
  out_proj = register_module("out_proj", torch::nn::Linear(hidden, num_labels));
}

at::Tensor ClassificationHeadImpl::forward(const at::Tensor& hidden_states) {
  at::Tensor x = hidden_states.select(1, 0);                          // [B,H] the <s> token
  x = at::tanh(dense(roberta::dropout(x, dropout_, is_training())));  // [B,H]
  return out_proj(roberta::dropout(x, dropout_, is_training()));      // [B,L]
}

TokenClassificationHeadImpl::TokenClassificationHeadImpl(int64_t hidden, int64_t num_labels, double dropout)
    : dropout_(dropout) {
  weight = register_parameter("weight", at::empty({num_labels, hidden}).normal_(0.0, 0.02));
  bias = register_parameter("bias", at::zeros({num_labels}));
}

at::Tensor TokenClassificationHeadImpl::forward(const at::Tensor& hidden_states) {
  at::Tensor x = roberta::dropout(hidden_states, dropout_, is_training());
  return at::linear(x, weight, bias);  // [B,T,L]
}

}  // namespace roberta
