// Sentence features from the encoder's last hidden states: the <s> vector or the mean over
// the real (non-pad) positions, specials included (as sentence-transformers' mean pooling).
//
// Legend: B = batch, T = sequence length, H = hidden.
#pragma once

#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "roberta/model/roberta_model.h"
#include "tokenizer/tokenizer.h"

namespace roberta {

enum class Pooling { cls, mean };

Pooling parse_pooling(const std::string& name);  // "cls" | "mean"; Error otherwise

// texts -> [N,H] float on the CPU; each text encoded as <s> text </s>, truncated to max_len.
at::Tensor embed_texts(RobertaModel& model, const tokenizer::Tokenizer& tok, const std::vector<std::string>& texts,
                       Pooling pooling, int64_t max_len, int64_t batch = 32);

}  // namespace roberta
