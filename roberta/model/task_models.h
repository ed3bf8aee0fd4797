// The encoder with a head, as a trainer or fine-tuner uses it. Parameter names are exactly the
// Hugging Face state-dict names (roberta.*, lm_head.*, classifier.*), so import/export is a loop.
// The LM decoder is tied to roberta.embeddings.word_embeddings.weight and is not a parameter of
// its own: named_parameters() lists it once, and parameter counts match HF's.
//
// Legend: B = batch, T = sequence length, H = hidden, V = vocabulary, M = predicted
// positions, L = labels.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "roberta/model/heads.h"
#include "roberta/model/options.h"
#include "roberta/model/roberta_model.h"

namespace roberta {

// The masked-LM forward with the optional NSP head's output.
struct MaskedLMOutput {
  at::Tensor mlm_logits;  // [M,V], or [B,T,V] when all positions were asked for
  at::Tensor nsp_logits;  // [B,2]; undefined without model.nsp_head
};

class RobertaForMaskedLMImpl : public torch::nn::Module {
 public:
  explicit RobertaForMaskedLMImpl(const ModelOptions& options);

  // input_ids [B,T] int64; masked_positions [M] int64 flat indices into B*T (b * T + t), or
  // undefined for every position. -> logits [M,V] (or [B,T,V]). The vocabulary projection,
  // the most expensive matmul, runs only on the M rows.
  // padded: as RobertaModelImpl::forward.
  at::Tensor forward(const at::Tensor& input_ids, const at::Tensor& masked_positions = {},
                     c10::optional<bool> padded = c10::nullopt);

  // Same, plus NSP logits from <s> when the model has the NSP head.
  MaskedLMOutput forward_with_nsp(const at::Tensor& input_ids, const at::Tensor& masked_positions = {},
                                  c10::optional<bool> padded = c10::nullopt);

  // The tied decoder weight, lm_head.decoder.weight in HF's state dict: [V,H].
  const at::Tensor& decoder_weight() const { return roberta->embeddings->word_embeddings->weight; }

  const ModelOptions& options() const { return roberta->options(); }

  RobertaModel roberta{nullptr};
  MaskedLMHead lm_head{nullptr};
  ClassificationHead nsp_head{nullptr};  // null unless options.nsp_head

 private:
  at::Tensor mlm_logits(const at::Tensor& hidden_states, const at::Tensor& masked_positions);
};
TORCH_MODULE(RobertaForMaskedLM);

class RobertaForSequenceClassificationImpl : public torch::nn::Module {
 public:
  // num_labels: 1 for regression; classifier_dropout < 0 means options.dropout (HF default).
  RobertaForSequenceClassificationImpl(const ModelOptions& options, int64_t num_labels,
                                       double classifier_dropout = -1.0);
  at::Tensor forward(const at::Tensor& input_ids);  // [B,T] -> [B,L]

  RobertaModel roberta{nullptr};
  ClassificationHead classifier{nullptr};
};
TORCH_MODULE(RobertaForSequenceClassification);

class RobertaForTokenClassificationImpl : public torch::nn::Module {
 public:
  RobertaForTokenClassificationImpl(const ModelOptions& options, int64_t num_labels,
                                    double classifier_dropout = -1.0);
  at::Tensor forward(const at::Tensor& input_ids);  // [B,T] -> [B,T,L]

  RobertaModel roberta{nullptr};
  TokenClassificationHead classifier{nullptr};
};
TORCH_MODULE(RobertaForTokenClassification);

// Number of scalar parameters (each registered tensor once; the tied decoder is not one).
int64_t count_parameters(const torch::nn::Module& module);

}  // namespace roberta
