// RoBERTa's input layer: word + learned position + (single) token-type embeddings, then
// LayerNorm and dropout (docs/roberta.md). Position ids are padding-aware: real tokens count up
// from pad_id + 1, pads get pad_id, so left and right padding give the same positions.
//
// Legend: B = batch, T = sequence length, H = hidden.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "roberta/model/options.h"

namespace roberta {

// pos = cumsum(tok != pad) * (tok != pad) + pad: input_ids [B,T] int64 -> [B,T] int64.
at::Tensor position_ids_from_input_ids(const at::Tensor& input_ids, int64_t pad_id);

class RobertaEmbeddingsImpl : public torch::nn::Module {
 public:
  explicit RobertaEmbeddingsImpl(const ModelOptions& options);

  // input_ids [B,T] int64 -> [B,T,H].
  at::Tensor forward(const at::Tensor& input_ids);

  torch::nn::Embedding word_embeddings{nullptr};      // [V,H], row pad_id zero
  torch::nn::Embedding position_embeddings{nullptr};  // [max_positions + pad_id + 1, H]
  torch::nn::Embedding token_type_embeddings{nullptr};  // [type_vocab_size, H]
  torch::nn::LayerNorm layer_norm{nullptr};            // registered as "LayerNorm" (HF name)

 private:
  ModelOptions options_;
};
TORCH_MODULE(RobertaEmbeddings);

}  // namespace roberta
