// The public tokenizer: GPT-2 / RoBERTa byte-level BPE loaded from (or saved as) the Hugging
// Face pair vocab.json + merges.txt. Ids equal Hugging Face's for the same files. All const
// methods are safe to call from many threads at once.
//
// Special tokens are looked up by name in the vocab: RoBERTa's <s>=0 <pad>=1 </s>=2 <unk>=3
// and <mask> (last). A GPT-2 vocab has none of them, only <|endoftext|>: then bos, eos and
// unk are <|endoftext|> (GPT-2's own convention) and pad_id()/mask_id() return -1 (absent;
// check has_pad()/has_mask()).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/vocab_files.h"

namespace roberta::tokenizer {

class BpeModel;

class Tokenizer {
 public:
  // dir holds vocab.json + merges.txt; throws roberta::Error on any file problem.
  static Tokenizer load(const std::string& dir);
  // From files already in memory (the trainer uses this); source names them in errors.
  static Tokenizer from_files(VocabFiles files, const std::string& source = "<memory>");

  // Plain text -> ids, no special tokens added and none recognised ("<mask>" in the text is
  // just characters). This is what corpus preprocessing wants.
  std::vector<int32_t> encode(std::string_view text) const;
  void encode_append(std::string_view text, std::vector<int32_t>& out) const;

  // Like encode, but special-token strings in the text ("<mask>", "</s>", ...) become their
  // ids, as Hugging Face does for added tokens: "<mask>" also absorbs the whitespace before
  // it (lstrip), the others strip nothing.
  std::vector<int32_t> encode_with_specials(std::string_view text) const;
  void encode_with_specials_append(std::string_view text, std::vector<int32_t>& out) const;

  // RoBERTa templates; text is read with encode_with_specials.
  std::vector<int32_t> encode_single(std::string_view a) const;                      // <s> A </s>
  std::vector<int32_t> encode_pair(std::string_view a, std::string_view b) const;    // <s> A </s></s> B </s>

  // Ids -> the exact bytes they stand for (not forced to valid UTF-8: decode(encode(x)) == x
  // for any bytes x). Ids out of range throw roberta::Error.
  std::string decode(const std::vector<int32_t>& ids, bool skip_special = false) const;

  int32_t bos_id() const;
  int32_t pad_id() const;
  int32_t eos_id() const;
  int32_t unk_id() const;
  int32_t mask_id() const;
  bool has_pad() const { return pad_id() >= 0; }
  bool has_mask() const { return mask_id() >= 0; }
  int32_t vocab_size() const;
  bool is_special(int32_t id) const;
  std::optional<int32_t> token_to_id(std::string_view token) const;
  const std::string& id_to_token(int32_t id) const;  // byte-level text, e.g. "Ġthe"

  // Writes vocab.json + merges.txt (the HF pair) into dir.
  void save(const std::string& dir) const;
  const VocabFiles& files() const;

  // Bytes of input that were not valid UTF-8, over all encode calls on this tokenizer (and
  // its copies). They are encoded as byte tokens, never dropped (see utf8.h).
  uint64_t invalid_bytes_seen() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace roberta::tokenizer
