// The token ids the data layer treats specially: sequence markers, padding, the mask token,
// and the vocabulary size (random replacements are drawn below it). Stored in every dataset
// manifest so the loader never needs the tokenizer.
#pragma once

#include <cstdint>

namespace roberta::data {

struct SpecialTokens {
  int32_t bos_id = 0;         // <s>
  int32_t pad_id = 1;         // <pad>
  int32_t eos_id = 2;         // </s>, also the separator between segments and documents
  int32_t unk_id = 3;         // <unk>
  int32_t mask_id = 50264;    // <mask>
  int64_t vocab_size = 50265; // ids are in [0, vocab_size)

  // Never selected for masking and never drawn as a random replacement.
  bool is_special(int32_t id) const {
    return id == bos_id || id == pad_id || id == eos_id || id == unk_id || id == mask_id;
  }
};

}  // namespace roberta::data
