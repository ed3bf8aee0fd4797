// Examples -> model inputs with RoBERTa's templates, as Hugging Face's tokenizer builds them:
//   single  <s> A </s>
//   pair    <s> A </s></s> B </s>, longest-first truncation to seq_len
//   tagging <s> w1 w2 ... </s>, each word encoded with a leading space (HF add_prefix_space),
//           its label on its first sub-token and kIgnoreLabel on the rest and on specials.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

#include "data/tasks/example.h"
#include "roberta/tasks/task.h"
#include "tokenizer/tokenizer.h"

namespace roberta {

inline constexpr int64_t kIgnoreLabel = -100;  // cross-entropy's ignore_index (HF's convention)

struct EncodedExample {
  std::vector<int32_t> ids;       // with special tokens, at most seq_len
  int64_t label = kIgnoreLabel;   // class id (classification / pair); kIgnoreLabel if unlabeled
  float target = 0.0f;            // regression target
  std::vector<int64_t> token_labels;  // tagging: one per id (kIgnoreLabel except first sub-tokens)
  std::vector<int64_t> word_starts;   // tagging: position of each kept word's first sub-token
};

// Longest-first truncation (HF's slow-tokenizer rule): while |a| + |b| > budget, drop the last
// token of the longer one, of b on a tie.
void truncate_longest_first(std::vector<int32_t>& a, std::vector<int32_t>& b, int64_t budget);

// Encodes one example for `task`. Labels are mapped through task.labels; an unknown label is
// an Error naming `origin` (file:line). seq_len includes the special tokens.
EncodedExample encode_example(const tokenizer::Tokenizer& tok, const TaskSpec& task,
                              const data::tasks::Example& example, int64_t seq_len, const std::string& origin);

std::vector<EncodedExample> encode_examples(const tokenizer::Tokenizer& tok, const TaskSpec& task,
                                            const std::vector<data::tasks::Example>& examples,
                                            int64_t seq_len, const std::string& origin);

// A padded batch. Legend: B = batch, T = longest sequence in the batch.
struct TaskBatch {
  at::Tensor input_ids;  // [B,T] int64, padded with pad_id
  at::Tensor labels;     // [B] int64 (classification), [B] float (regression), [B,T] int64 (tagging)
};

TaskBatch collate(const std::vector<const EncodedExample*>& examples, TaskType type, int64_t pad_id);

}  // namespace roberta
