// GPT-2's pre-tokenizer: splits text into the pieces BPE runs on, exactly as the pattern
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// does, where `\s` is Unicode White_Space (what the reference's `\s` means; PCRE2's UCP `\s`
// is not quite it: it leaves out U+0085, for one).
// split() is a hand-written matcher of that pattern (one pass, a class per character): the
// same pieces as the regex, several times faster than calling a regex engine per piece.
// split_with_pcre2() runs the pattern itself through PCRE2 (JIT, UTF, Unicode properties);
// the tests hold split() to it. Both take the classes \p{L} and \p{N} from PCRE2's Unicode
// tables, so they agree on every code point.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

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
    return split_impl(text, false, [](void* f, std::string_view p) { (*static_cast<OnPiece*>(f))(p); },
                      &on_piece);
  }

  // The same, through the PCRE2 pattern: the reference the tests check split() against.
  template <typename OnPiece>
  size_t split_with_pcre2(std::string_view text, OnPiece&& on_piece) const {
    return split_impl(text, true, [](void* f, std::string_view p) { (*static_cast<OnPiece*>(f))(p); },
                      &on_piece);
  }

  // The class of a code point as the pattern sees it.
  enum Class : uint8_t { kOther = 0, kLetter = 1, kNumber = 2, kSpace = 3 };
  Class class_of(char32_t cp) const;

  ~PreTokenizer();
  PreTokenizer(const PreTokenizer&) = delete;
  PreTokenizer& operator=(const PreTokenizer&) = delete;

  static const char* pattern();  // the PCRE2 spelling, for docs and tests

 private:
  PreTokenizer();
  using Callback = void (*)(void*, std::string_view);
  size_t split_impl(std::string_view text, bool pcre2, Callback cb, void* ctx) const;
  void split_valid(std::string_view run, Callback cb, void* ctx) const;
  void split_valid_pcre2(std::string_view run, Callback cb, void* ctx) const;
  const uint8_t* class_page(size_t page) const;  // classes of code points page*256 ...+255

  void* code_ = nullptr;         // pcre2_code_8*: the whole pattern
  void* letter_code_ = nullptr;  // \p{L}
  void* number_code_ = nullptr;  // \p{N}
  // Classes of non-ASCII code points, 256 per page, each page made from PCRE2's tables the
  // first time a code point of it is seen (most text touches a few pages).
  static constexpr size_t kPages = 0x110000 / 256;
  mutable std::array<std::atomic<const uint8_t*>, kPages> pages_{};
  mutable std::mutex pages_mutex_;
  mutable std::vector<std::unique_ptr<uint8_t[]>> page_storage_;
};

}  // namespace roberta::tokenizer
