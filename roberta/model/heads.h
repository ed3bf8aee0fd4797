// Task heads that sit on the encoder's last hidden states, with HF's parameter names.
//   MaskedLMHead (lm_head.*): dense H->H, GELU, LayerNorm, then x E^T + bias with E the word
//     embeddings (tied: passed in, not owned), so only `bias` [V] is its own output parameter.
//   ClassificationHead (classifier.*): <s> -> dropout -> dense -> tanh -> dropout -> out_proj.
//     Also used, under the name nsp_head, for the optional next-sentence-prediction head.
//   TokenClassificationHead (classifier.{weight,bias}): dropout -> linear, per token.
//
// Legend: B = batch, T = sequence length, H = hidden, V = vocabulary, M = predicted
// positions, L = labels.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "roberta/model/options.h"

namespace roberta {

class MaskedLMHeadImpl : public torch::nn::Module {
 public:
  explicit MaskedLMHeadImpl(const ModelOptions& options);
  // features [...,H], word_embeddings [V,H] -> logits [...,V].
  at::Tensor forward(const at::Tensor& features, const at::Tensor& word_embeddings);

  torch::nn::Linear dense{nullptr};
  torch::nn::LayerNorm layer_norm{nullptr};
  at::Tensor bias;  // [V]
};
TORCH_MODULE(MaskedLMHead);

class ClassificationHeadImpl : public torch::nn::Module {
 public:
  // dropout: the head's dropout probability (HF's classifier_dropout, default hidden dropout).
  ClassificationHeadImpl(int64_t hidden, int64_t num_labels, double dropout);
  // hidden_states [B,T,H] -> logits [B,L] from the first (<s>) position.
  at::Tensor forward(const at::Tensor& hidden_states);

  torch::nn::Linear dense{nullptr};     // [H,H]
  torch::nn::Linear out_proj{nullptr};  // [L,H]

 private:
  double dropout_;
};
TORCH_MODULE(ClassificationHead);

class TokenClassificationHeadImpl : public torch::nn::Module {
 public:
  TokenClassificationHeadImpl(int64_t hidden, int64_t num_labels, double dropout);
  // hidden_states [B,T,H] -> logits [B,T,L].
  at::Tensor forward(const at::Tensor& hidden_states);

  at::Tensor weight;  // [L,H]
  at::Tensor bias;    // [L]

 private:
  double dropout_;
};
TORCH_MODULE(TokenClassificationHead);

}  // namespace roberta
