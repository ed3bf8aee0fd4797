// Every branch of GPT-2's pattern by hand, all golden texts against Hugging Face's ByteLevel
// pre-tokenizer, and the hand-written matcher against PCRE2 running the pattern.
#include "tests/catch.h"

#include <iomanip>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tests/tokenizer/fixtures.h"
#include "tokenizer/byte_table.h"
#include "tokenizer/pretokenizer.h"
#include "tokenizer/utf8.h"

using namespace roberta::tokenizer;

namespace {
std::vector<std::string> pieces(std::string_view text) {
  std::vector<std::string> out;
  PreTokenizer::gpt2().split(text, [&](std::string_view p) { out.emplace_back(p); });
  return out;
}
using V = std::vector<std::string>;

std::string to_hex(std::string_view s) {
  std::ostringstream out;
  for (unsigned char c : s) out << std::hex << std::setw(2) << std::setfill('0') << int(c);
  return out.str();
}
}  // namespace

TEST_CASE("pre-tokenizer: contractions", "[tokenizer][pretokenizer]") {
  CHECK(pieces("it's") == V{"it", "'s"});
  CHECK(pieces("don't") == V{"don", "'t"});
  CHECK(pieces("we're we've I'm you'll he'd") ==
        V{"we", "'re", " we", "'ve", " I", "'m", " you", "'ll", " he", "'d"});
  CHECK(pieces("IT'S") == V{"IT", "'", "S"});  // case-sensitive, like GPT-2
}

TEST_CASE("pre-tokenizer: letters, numbers, other, with an optional leading space", "[tokenizer][pretokenizer]") {
  CHECK(pieces("Hello world") == V{"Hello", " world"});
  CHECK(pieces("abc123 456") == V{"abc", "123", " 456"});
  CHECK(pieces("é日本") == V{"é日本"});
  CHECK(pieces("a, b!?") == V{"a", ",", " b", "!?"});
  CHECK(pieces("x ...") == V{"x", " ..."});
  CHECK(pieces("½²") == V{"½²"});  // \p{N} includes No
}

TEST_CASE("pre-tokenizer: whitespace runs and the look-ahead", "[tokenizer][pretokenizer]") {
  // \s+(?!\S) leaves the last space to prefix the next word.
  CHECK(pieces("a   b") == V{"a", "  ", " b"});
  // The run backs off one character so that the look-ahead holds: "\n", then "\n".
  CHECK(pieces("a\n\nb") == V{"a", "\n", "\n", "b"});
  CHECK(pieces("a \n b") == V{"a", " \n", " b"});
  CHECK(pieces("end   ") == V{"end", "   "});
  CHECK(pieces("\t\tx") == V{"\t", "\t", "x"});  // only ' ' may prefix a word
  CHECK(pieces("   ") == V{"   "});
  // U+0085 and U+3000 are White_Space (Rust/Oniguruma \s), U+200B is not.
  CHECK(pieces("a\xC2\x85" "b") == V{"a", "\xC2\x85", "b"});
  CHECK(pieces("a\xE3\x80\x80\xE3\x80\x80" "b") == V{"a", "\xE3\x80\x80", "\xE3\x80\x80", "b"});
  CHECK(pieces("a\xE3\x80\x80\xE3\x80\x80") == V{"a", "\xE3\x80\x80\xE3\x80\x80"});  // at the end: one run
}

TEST_CASE("pre-tokenizer: pieces concatenate to the input", "[tokenizer][pretokenizer]") {
  std::string text = "  Mixed \t text: 3.14, it's 日本語 😀!\n\n";
  std::string joined;
  for (auto& p : pieces(text)) joined += p;
  CHECK(joined == text);
}

TEST_CASE("pre-tokenizer equals Hugging Face's on the golden texts", "[tokenizer][pretokenizer][golden]") {
  for (const auto& c : testing::golden_cases()) {
    std::vector<std::string> ours;
    for (auto& p : pieces(c["text"].get<std::string>())) ours.push_back(bytes_to_byte_text(p));
    INFO(c["name"].get<std::string>());
    CHECK(ours == c["pieces"].get<std::vector<std::string>>());
  }
}

namespace {
std::vector<std::string> pcre2_pieces(std::string_view text) {
  std::vector<std::string> out;
  PreTokenizer::gpt2().split_with_pcre2(text, [&](std::string_view p) { out.emplace_back(p); });
  return out;
}

std::string utf8(char32_t cp) {
  std::string s;
  append_utf8(cp, s);
  return s;
}
}  // namespace

// split() is a hand-written matcher of the pattern; PCRE2 running the pattern itself is the
// independent reference. Random texts over a pool that reaches every branch and every class
// boundary (apostrophes before each contraction letter and others, spaces before each class,
// multi-byte spaces, letters and digits of several scripts, marks, symbols, emoji, invalid
// bytes, the run end) must split the same way, piece for piece.
TEST_CASE("pre-tokenizer: the hand-written matcher equals PCRE2 running the pattern", "[tokenizer][pretokenizer]") {
  const std::vector<std::string> pool = {
      "'", "'", "s", "t", "re", "ve", "m", "ll", "d", "r", "e", "v", "l", "S", "x", "A", " ", " ", " ", "  ",
      "\t", "\n", "\r\n", "\x0B", "\x0C", "0", "42", ".", ",", "!?", "-", "_", "\x7F", "\x01",
      utf8(0x85), utf8(0xA0), utf8(0x1680), utf8(0x2000), utf8(0x200A), utf8(0x2028), utf8(0x202F), utf8(0x3000),
      utf8(0x200B), utf8(0x180E), "é", "ß", "Ω", "ж", "日本", "語", "ア", "한", "ع", "א", "ह", "ก", "ª", "º",
      "²", "½", "٣", "Ⅻ", "①", "\xCC\x81" /* combining acute: Mn, not a letter */, "€", "©", "—", "“", "…",
      "😀", "𝔘", "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD", "\xFF", "\xC3", "\xE2\x82", "\xED\xA0\x80"};
  std::mt19937 rng(20261203);
  std::uniform_int_distribution<size_t> pick(0, pool.size() - 1), length(0, 24);
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    for (size_t n = length(rng); n > 0; --n) text += pool[pick(rng)];
    const auto ours = pieces(text), reference = pcre2_pieces(text);
    if (ours != reference) {
      INFO("text (hex): " << to_hex(text));
      REQUIRE(ours == reference);
    }
  }
}

// Every code point's class as split() sees it (through the class pages) gives, on the text
// "a" + cp + cp + " " + cp, the same pieces as PCRE2: one sweep over all of Unicode.
TEST_CASE("pre-tokenizer: every code point is classified as PCRE2's pattern classifies it", "[tokenizer][pretokenizer]") {
  size_t checked = 0;
  for (char32_t cp = 0; cp < 0x110000; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    const std::string c = utf8(cp), text = "a" + c + c + " " + c + "1";
    const auto ours = pieces(text), reference = pcre2_pieces(text);
    if (ours != reference) {
      INFO("code point U+" << std::hex << uint32_t(cp));
      REQUIRE(ours == reference);
    }
    ++checked;
  }
  CHECK(checked == 0x110000 - 0x800);
}
