// See embeddings.h.
#include "roberta/model/embeddings.h"
#include "roberta/model/dropout.h"

#include "util/error.h"

// Legend: B = batch, T = sequence length, H = hidden.

namespace roberta {

at::Tensor position_ids_from_input_ids(const at::Tensor& input_ids, int64_t pad_id) {
  at::Tensor real = input_ids.ne(pad_id).to(at::kLong);  // [B,T] 1 for real tokens
  return at::cumsum(real, 1).mul_(real).add_(pad_id);    // [B,T]
}

RobertaEmbeddingsImpl::RobertaEmbeddingsImpl(const ModelOptions& options) : options_(options) {
  using torch::nn::EmbeddingOptions;
  word_embeddings = register_module(
      "word_embeddings",
      torch::nn::Embedding(EmbeddingOptions(options.vocab_size, options.hidden).padding_idx(options.pad_id)));
  // 512 usable positions + the pad slot + the slots below it: 514 rows for pad_id 1.
  position_embeddings = register_module(
      "position_embeddings",
      torch::nn::Embedding(EmbeddingOptions(options.max_positions + options.pad_id + 1, options.hidden)
                               .padding_idx(options.pad_id)));
  token_type_embeddings = register_module(
      "token_type_embeddings",
      torch::nn::Embedding(EmbeddingOptions(options.type_vocab_size, options.hidden)));
  layer_norm = register_module(
      "LayerNorm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({options.hidden}).eps(options.layer_norm_eps)));
}

at::Tensor RobertaEmbeddingsImpl::forward(const at::Tensor& input_ids) {
  const int64_t seq_len = input_ids.size(1);
  if (seq_len > options_.max_positions) {
    fail("input of {} tokens is longer than model.max_positions = {}", seq_len, options_.max_positions);
  }
  at::Tensor positions = position_ids_from_input_ids(input_ids, options_.pad_id);  // [B,T]
  at::Tensor x = word_embeddings(input_ids);                                       // [B,T,H]
  x = x + position_embeddings(positions);                                          // [B,T,H]
  // Every token has type 0: add row 0 by broadcasting instead of a [B,T] lookup.
  x = x + token_type_embeddings->weight[0];  // [B,T,H]
  x = layer_norm(x);
  return roberta::dropout(x, options_.dropout, is_training());
}

}  // namespace roberta
