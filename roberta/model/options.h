// The shape and regularisation of a RoBERTa encoder (docs/roberta.md). One struct, plain data; the
// config layer fills it from YAML (model.* keys), presets give its values.
#pragma once

#include <cstdint>

namespace roberta {

struct ModelOptions {
  int64_t layers = 12;            // model.layers: transformer layers, e.g. 12 (base), 24 (large)
  int64_t hidden = 768;           // model.hidden: model width, e.g. 768
  int64_t heads = 12;             // model.heads: attention heads; must divide hidden
  int64_t ffn = 3072;             // model.ffn: feed-forward inner width, e.g. 4 x hidden
  int64_t vocab_size = 50265;     // model.vocab_size: rows of the word-embedding table
  int64_t max_positions = 512;    // model.max_positions: longest input; the table has +2 rows
  int64_t type_vocab_size = 1;    // model.type_vocab_size: RoBERTa uses a single token type
  int64_t pad_id = 1;             // model.pad_id: padding id (also the position-id offset)
  double dropout = 0.1;           // model.dropout: hidden dropout
  double attention_dropout = 0.1; // model.attention_dropout: dropout on attention probabilities
  double layer_norm_eps = 1e-5;   // model.layer_norm_eps
  double init_std = 0.02;         // model.init_std: N(0, init_std) init of weights
  bool nsp_head = false;          // model.nsp_head: next-sentence-prediction head on <s>
};

}  // namespace roberta
