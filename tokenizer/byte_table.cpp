// The table is built the way GPT-2's bytes_to_unicode() defines it: bytes that are printable
// in Latin-1 ('!'..'~', '¡'..'¬', '®'..'ÿ') keep their code point; the remaining 68 bytes
// take U+0100, U+0101, ... in increasing byte order.
#include "tokenizer/byte_table.h"

#include <algorithm>
#include <string_view>

#include "tokenizer/utf8.h"

namespace roberta::tokenizer {
namespace {

struct Table {
  std::array<char32_t, 256> to_cp{};
  std::array<std::string, 256> chars;
  std::array<int, 256> rank{};
  std::array<int16_t, 324> from_cp{};  // every table code point is < 0x100 + 68

  Table() {
    auto printable = [](int b) {
      return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    };
    int next = 0;
    for (int b = 0; b < 256; ++b) to_cp[b] = printable(b) ? char32_t(b) : char32_t(0x100 + next++);
    from_cp.fill(-1);
    for (int b = 0; b < 256; ++b) {
      from_cp[to_cp[b]] = int16_t(b);
      append_utf8(to_cp[b], chars[b]);
    }
    std::array<int, 256> order{};
    for (int b = 0; b < 256; ++b) order[b] = b;
    std::sort(order.begin(), order.end(), [&](int x, int y) { return to_cp[x] < to_cp[y]; });
    for (int r = 0; r < 256; ++r) rank[order[r]] = r;
  }
};

const Table& table() {
  static const Table t;
  return t;
}

}  // namespace

char32_t byte_to_code_point(uint8_t byte) { return table().to_cp[byte]; }

int code_point_to_byte(char32_t code_point) {
  if (code_point >= table().from_cp.size()) return -1;
  return table().from_cp[code_point];
}

const std::array<std::string, 256>& byte_chars() { return table().chars; }

const std::array<int, 256>& byte_char_rank() { return table().rank; }

std::string bytes_to_byte_text(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) out += table().chars[b];
  return out;
}

bool byte_text_to_bytes(std::string_view text, std::string& bytes) {
  size_t pos = 0;
  while (pos < text.size()) {
    char32_t cp;
    if (!next_code_point(text, pos, cp)) return false;
    int b = code_point_to_byte(cp);
    if (b < 0) return false;
    bytes.push_back(char(b));
  }
  return true;
}

}  // namespace roberta::tokenizer
