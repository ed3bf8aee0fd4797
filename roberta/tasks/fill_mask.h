// Masked-token filling with a masked-LM checkpoint: the top-k tokens, with their softmax
// probabilities, for every <mask> of a text. The text is read as Hugging Face's RoBERTa
// tokenizer reads it (<s> text </s>; "<mask>" absorbs the space before it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "roberta/model/task_models.h"
#include "tokenizer/tokenizer.h"

namespace roberta {

struct MaskFiller {
  int32_t token_id = 0;
  std::string token;  // the decoded text of token_id, e.g. " Paris"
  double score = 0;   // softmax probability over the vocabulary
};

// One list per <mask> in text order, each sorted by score, highest first, top_k long (or the
// vocabulary size if smaller). Error when the text has no <mask> or the tokenizer has none.
std::vector<std::vector<MaskFiller>> fill_mask(RobertaForMaskedLM& model, const tokenizer::Tokenizer& tok,
                                               const std::string& text, int64_t top_k);

}  // namespace roberta
