// The shape and regularisation of a RoBERTa encoder (docs/roberta.md). One struct, plain data; the
// config layer fills it from YAML (model.* keys), presets give its values.
// Each member's comment names its config key; help text and range: roberta/config/registry.cpp.
#pragma once

#include <cstdint>

namespace roberta {

struct ModelOptions {
  int64_t layers = 12;  // model.layers
  int64_t hidden = 768;  // model.hidden
  int64_t heads = 12;  // model.heads
  int64_t ffn = 3072;  // model.ffn
  int64_t vocab_size = 50265;  // model.vocab_size
  int64_t max_positions = 512;  // model.max_positions
  int64_t type_vocab_size = 1;  // model.type_vocab_size
  int64_t pad_id = 1;  // model.pad_id
  double dropout = 0.1;  // model.dropout
  double attention_dropout = 0.1;  // model.attention_dropout
  double layer_norm_eps = 1e-5;  // model.layer_norm_eps
  double init_std = 0.02;  // model.init_std
  bool nsp_head = false;  // model.nsp_head
};

}  // namespace roberta
