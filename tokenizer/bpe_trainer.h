// Byte-level BPE trainer with Hugging Face's BpeTrainer semantics, so the same corpus gives
// the same merges: lines keep their "\n", words come from the GPT-2 pre-tokenizer, the
// alphabet is all 256 byte characters numbered in code point order after the leading special
// tokens, the most frequent pair is merged first and ties go to the smallest (left id,
// right id). Pair counts are updated incrementally from the words each merge touches.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace roberta::tokenizer {

struct BpeTrainerOptions {
  int32_t vocab_size = 50265;    // total size, special tokens included (RoBERTa: 50265)
  uint64_t min_frequency = 2;    // stop when the best pair is seen fewer times (HF's default)
  std::vector<std::string> special_tokens = {"<s>", "<pad>", "</s>", "<unk>"};  // ids 0, 1, ...
  std::vector<std::string> special_tokens_last = {"<mask>"};  // after all merges: <mask> last
  int threads = 0;               // word counting threads; 0: all cores
  bool show_progress = false;    // progress bars on stderr
};

class BpeTrainer {
 public:
  explicit BpeTrainer(BpeTrainerOptions options);

  // Adds the words of `text` (split into lines that keep their "\n", as HF reads files).
  void feed_text(std::string_view text);
  // Reads and feeds each file; throws roberta::Error when one cannot be read.
  void feed_files(const std::vector<std::string>& paths);

  // Runs the merges and returns the trained tokenizer (save() writes the HF pair).
  Tokenizer train();

  const std::unordered_map<std::string, uint64_t>& word_counts() const { return words_; }

 private:
  BpeTrainerOptions options_;
  std::unordered_map<std::string, uint64_t> words_;  // raw-byte pre-token -> occurrences
};

}  // namespace roberta::tokenizer
