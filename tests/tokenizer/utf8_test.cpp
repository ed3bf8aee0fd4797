// UTF-8 validation cases from RFC 3629 and the Unicode White_Space list.
#include "tests/catch.h"

#include "tokenizer/utf8.h"

using namespace roberta::tokenizer;

TEST_CASE("valid_sequence_length accepts exactly RFC 3629 UTF-8", "[tokenizer][utf8]") {
  CHECK(valid_sequence_length("a", 0) == 1);
  CHECK(valid_sequence_length("\xC3\xA9", 0) == 2);
  CHECK(valid_sequence_length("\xE6\x97\xA5", 0) == 3);
  CHECK(valid_sequence_length("\xF0\x9F\x98\x80", 0) == 4);
  CHECK(valid_sequence_length("\xC0\x80", 0) == 0);          // overlong NUL
  CHECK(valid_sequence_length("\xE0\x80\x80", 0) == 0);      // overlong
  CHECK(valid_sequence_length("\xED\xA0\x80", 0) == 0);      // surrogate D800
  CHECK(valid_sequence_length("\xF4\x90\x80\x80", 0) == 0);  // above U+10FFFF
  CHECK(valid_sequence_length("\x80", 0) == 0);              // lone continuation
  CHECK(valid_sequence_length("\xE6\x97", 0) == 0);          // truncated
  CHECK(valid_sequence_length("\xFF", 0) == 0);
  CHECK(count_invalid_utf8("ok\xFF\xFEok\xE6\x97") == 4);
}

TEST_CASE("append_utf8 and next_code_point are inverse", "[tokenizer][utf8]") {
  for (char32_t cp : {char32_t(0x24), char32_t(0xE9), char32_t(0x20AC), char32_t(0x1F600), char32_t(0x10FFFF)}) {
    std::string s;
    append_utf8(cp, s);
    size_t pos = 0;
    char32_t back = 0;
    REQUIRE(next_code_point(s, pos, back));
    CHECK(back == cp);
    CHECK(pos == s.size());
  }
}

TEST_CASE("is_unicode_whitespace is the White_Space property", "[tokenizer][utf8]") {
  for (char32_t cp : {0x9, 0xA, 0xB, 0xC, 0xD, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000})
    CHECK(is_unicode_whitespace(cp));
  for (char32_t cp : {0x8, 0xE, 0x41, 0x180E, 0x200B, 0xFEFF}) CHECK_FALSE(is_unicode_whitespace(cp));
}
