// Strict UTF-8 (RFC 3629): no overlongs, no surrogates, nothing above U+10FFFF; exactly the
// sequences Rust's str accepts, so "valid" here means what the reference can encode.
#include "tokenizer/utf8.h"

namespace roberta::tokenizer {

void append_utf8(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(char(cp));
  } else if (cp < 0x800) {
    out.push_back(char(0xC0 | (cp >> 6)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(char(0xE0 | (cp >> 12)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(char(0xF0 | (cp >> 18)));
    out.push_back(char(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  }
}

size_t valid_sequence_length(std::string_view text, size_t pos) {
  auto at = [&](size_t i) -> unsigned { return i < text.size() ? (unsigned char)text[i] : 0u; };
  unsigned b0 = at(pos);
  if (pos >= text.size()) return 0;
  if (b0 < 0x80) return 1;
  auto cont = [&](size_t i) { return (at(i) & 0xC0) == 0x80; };
  if (b0 >= 0xC2 && b0 <= 0xDF) return cont(pos + 1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    unsigned b1 = at(pos + 1);
    if (!cont(pos + 1) || !cont(pos + 2)) return 0;
    if (b0 == 0xE0 && b1 < 0xA0) return 0;   // overlong
    if (b0 == 0xED && b1 >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    unsigned b1 = at(pos + 1);
    if (!cont(pos + 1) || !cont(pos + 2) || !cont(pos + 3)) return 0;
    if (b0 == 0xF0 && b1 < 0x90) return 0;  // overlong
    if (b0 == 0xF4 && b1 >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

bool next_code_point(std::string_view text, size_t& pos, char32_t& cp) {
  size_t n = valid_sequence_length(text, pos);
  if (n == 0) return false;
  auto b = [&](size_t i) { return char32_t((unsigned char)text[pos + i]); };
  switch (n) {
    case 1: cp = b(0); break;
    case 2: cp = ((b(0) & 0x1F) << 6) | (b(1) & 0x3F); break;
    case 3: cp = ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F); break;
    default: cp = ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
  }
  pos += n;
  return true;
}

size_t count_invalid_utf8(std::string_view text) {
  size_t invalid = 0, pos = 0;
  while (pos < text.size()) {
    if ((unsigned char)text[pos] < 0x80) { ++pos; continue; }
    size_t n = valid_sequence_length(text, pos);
    if (n == 0) { ++invalid; ++pos; } else { pos += n; }
  }
  return invalid;
}

bool is_unicode_whitespace(char32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

}  // namespace roberta::tokenizer
