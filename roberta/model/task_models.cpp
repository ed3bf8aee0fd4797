// See task_models.h.
#include "roberta/model/task_models.h"

// Legend: B = batch, T = sequence length, H = hidden, V = vocabulary, M = predicted
// positions, L = labels.

namespace roberta {

RobertaForMaskedLMImpl::RobertaForMaskedLMImpl(const ModelOptions& options) {
  roberta = register_module("roberta", RobertaModel(options));
  lm_head = register_module("lm_head", MaskedLMHead(options));
  if (options.nsp_head) {
    nsp_head = register_module("nsp_head", ClassificationHead(options.hidden, 2, options.dropout));
  }
  init_roberta_weights(*this, options.init_std);
  // The word embeddings are also the decoder, whose gradient is a dense [V,H] matrix. A sparse
  // lookup gradient (the batch's rows only) is then added into it in place by autograd, instead
  // of a zero-filled dense [V,H] gradient that is summed with it: two passes over V x H saved.
  // The parameter's .grad stays dense, as the decoder always contributes.
  roberta->embeddings->word_embeddings->options.sparse(true);
}

at::Tensor RobertaForMaskedLMImpl::mlm_logits(const at::Tensor& hidden_states, const at::Tensor& masked_positions) {
  if (!masked_positions.defined()) {
    return lm_head(hidden_states, decoder_weight());  // [B,T,V]
  }
  at::Tensor flat = hidden_states.reshape({-1, hidden_states.size(-1)});  // [B*T,H] (a view)
  at::Tensor picked = flat.index_select(0, masked_positions);              // [M,H]
  return lm_head(picked, decoder_weight());                                // [M,V]
}

at::Tensor RobertaForMaskedLMImpl::forward(const at::Tensor& input_ids, const at::Tensor& masked_positions,
                                           c10::optional<bool> padded) {
  return mlm_logits(roberta(input_ids, padded), masked_positions);
}

MaskedLMOutput RobertaForMaskedLMImpl::forward_with_nsp(const at::Tensor& input_ids,
                                                        const at::Tensor& masked_positions,
                                                        c10::optional<bool> padded) {
  at::Tensor hidden_states = roberta(input_ids, padded);  // [B,T,H]
  MaskedLMOutput out;
  out.mlm_logits = mlm_logits(hidden_states, masked_positions);
  if (nsp_head) out.nsp_logits = nsp_head(hidden_states);  // [B,2]
  return out;
}

RobertaForSequenceClassificationImpl::RobertaForSequenceClassificationImpl(const ModelOptions& options,
                                                                           int64_t num_labels,
                                                                           double classifier_dropout) {
  roberta = register_module("roberta", RobertaModel(options));
  classifier = register_module(
      "classifier",
      ClassificationHead(options.hidden, num_labels, classifier_dropout < 0 ? options.dropout : classifier_dropout));
  init_roberta_weights(*this, options.init_std);
}

at::Tensor RobertaForSequenceClassificationImpl::forward(const at::Tensor& input_ids) {
  return classifier(roberta(input_ids));  // [B,L]
}

RobertaForTokenClassificationImpl::RobertaForTokenClassificationImpl(const ModelOptions& options,
                                                                     int64_t num_labels,
                                                                     double classifier_dropout) {
  roberta = register_module("roberta", RobertaModel(options));
  classifier = register_module(
      "classifier",
      TokenClassificationHead(options.hidden, num_labels,
                              classifier_dropout < 0 ? options.dropout : classifier_dropout));
  init_roberta_weights(*this, options.init_std);
}

at::Tensor RobertaForTokenClassificationImpl::forward(const at::Tensor& input_ids) {
  return classifier(roberta(input_ids));  // [B,T,L]
}

int64_t count_parameters(const torch::nn::Module& module) {
  int64_t total = 0;
  for (const auto& param : module.parameters()) total += param.numel();
  return total;
}

}  // namespace roberta
