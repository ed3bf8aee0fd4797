// The byte table against GPT-2's definition, worked out by hand.
#include "tests/catch.h"

#include <set>

#include "tokenizer/byte_table.h"
#include "tokenizer/utf8.h"

using namespace roberta::tokenizer;

TEST_CASE("byte table maps printable Latin-1 to itself and the rest to U+0100..", "[tokenizer][byte_table]") {
  CHECK(byte_to_code_point('A') == U'A');
  CHECK(byte_to_code_point('!') == U'!');
  CHECK(byte_to_code_point('~') == U'~');
  CHECK(byte_to_code_point(0xA1) == 0xA1);
  CHECK(byte_to_code_point(0xFF) == 0xFF);
  // Non-printables in byte order: 0x00..0x20 (33), 0x7F..0xA0 (34), 0xAD (1).
  CHECK(byte_to_code_point(0x00) == 0x100);
  CHECK(byte_to_code_point('\n') == 0x10A);  // 'Ċ'
  CHECK(byte_to_code_point(' ') == 0x120);   // 'Ġ'
  CHECK(byte_to_code_point(0x7F) == 0x121);
  CHECK(byte_to_code_point(0xA0) == 0x142);
  CHECK(byte_to_code_point(0xAD) == 0x143);
  CHECK(byte_chars()[' '] == "\xC4\xA0");
}

TEST_CASE("byte table is a bijection and its rank is GPT-2's id order", "[tokenizer][byte_table]") {
  std::set<char32_t> seen;
  for (int b = 0; b < 256; ++b) {
    char32_t cp = byte_to_code_point(uint8_t(b));
    CHECK(code_point_to_byte(cp) == b);
    seen.insert(cp);
  }
  CHECK(seen.size() == 256);
  CHECK(code_point_to_byte(0x144) == -1);
  CHECK(code_point_to_byte(U'Ġ' + 100) == -1);
  // GPT-2's encoder.json starts "!":0 ... and "Ā" (byte 0) is id 188, "Ġ" (space) 220.
  CHECK(byte_char_rank()['!'] == 0);
  CHECK(byte_char_rank()[0] == 188);
  CHECK(byte_char_rank()[' '] == 220);
}

TEST_CASE("bytes <-> byte-level text round trip for every byte", "[tokenizer][byte_table]") {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(char(b));
  std::string text = bytes_to_byte_text(all);
  std::string back;
  REQUIRE(byte_text_to_bytes(text, back));
  CHECK(back == all);
  CHECK(bytes_to_byte_text("a b\n") == "a\xC4\xA0" "b\xC4\x8A");
  std::string unused;
  CHECK_FALSE(byte_text_to_bytes("\xE6\x97\xA5", unused));  // '日' is not in the table
}
