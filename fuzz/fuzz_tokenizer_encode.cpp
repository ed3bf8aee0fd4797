// Fuzzes the tokenizer's encode path with arbitrary bytes (invalid UTF-8, NULs, huge pieces).
// Checks the byte-level BPE invariant: decode(encode(x)) == x for any bytes x, and that the
// special-token path never throws on any text, and that the hand-written pre-tokenizer splits
// exactly as PCRE2 running GPT-2's pattern does.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/pretokenizer.h"
#include "tokenizer/tokenizer.h"

namespace {

const roberta::tokenizer::Tokenizer& tokenizer() {
  // The RoBERTa-style copy of GPT-2's 50K vocabulary (tests/fixtures/tokenizer/roberta).
  static const auto tok =
      roberta::tokenizer::Tokenizer::load(std::string(ROBERTA_SOURCE_DIR) + "/tests/fixtures/tokenizer/roberta");
  return tok;
}

}  // namespace

// Loading the 50K vocabulary takes a while under ASan: done before the per-input timer runs.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  tokenizer();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& tok = tokenizer();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto ids = tok.encode(text);
  for (int32_t id : ids) {
    if (id < 0 || id >= tok.vocab_size()) std::abort();
  }
  if (tok.decode(ids) != text) std::abort();  // lossless on any bytes
  const auto& pre = roberta::tokenizer::PreTokenizer::gpt2();
  std::vector<std::string_view> ours, reference;
  pre.split(text, [&](std::string_view p) { ours.push_back(p); });
  pre.split_with_pcre2(text, [&](std::string_view p) { reference.push_back(p); });
  if (ours != reference) std::abort();
  const auto with_specials = tok.encode_with_specials(text);
  for (int32_t id : with_specials) {
    if (id < 0 || id >= tok.vocab_size()) std::abort();
  }
  return 0;
}
