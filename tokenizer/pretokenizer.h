// GPT-2's pre-tokenizer: splits text into the pieces BPE runs on, with exactly the pattern
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// compiled by PCRE2 (JIT, UTF, Unicode properties). `\s` is spelled out as Unicode
// White_Space, because that is what the reference's `\s` means and PCRE2's UCP `\s` is not
// quite it (PCRE2 leaves out U+0085, for one).
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace roberta::tokenizer {

class PreTokenizer {
 public:
  // The process-wide GPT-2 pre-tokenizer (compiled once, safe to use from any thread).
  static const PreTokenizer& gpt2();

  // Calls on_piece(piece) for each piece of `text`, in order; the pieces concatenate to
  // exactly `text`. Bytes that are not valid UTF-8 each become a one-byte piece (see utf8.h).
  // Returns the number of such invalid bytes.
  template <typename OnPiece>
  size_t split(std::string_view text, OnPiece&& on_piece) const {
    return split_impl(text, [](void* f, std::string_view p) { (*static_cast<OnPiece*>(f))(p); },
                      &on_piece);
  }

  ~PreTokenizer();
  PreTokenizer(const PreTokenizer&) = delete;
  PreTokenizer& operator=(const PreTokenizer&) = delete;

  static const char* pattern();  // the PCRE2 spelling, for docs and tests

 private:
  PreTokenizer();
  using Callback = void (*)(void*, std::string_view);
  size_t split_impl(std::string_view text, Callback cb, void* ctx) const;
  void split_valid(std::string_view run, Callback cb, void* ctx) const;
  void* code_ = nullptr;  // pcre2_code_8*
};

}  // namespace roberta::tokenizer
