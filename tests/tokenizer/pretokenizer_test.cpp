// Every branch of GPT-2's pattern by hand, then all golden texts against Hugging Face's
// ByteLevel pre-tokenizer.
#include "tests/catch.h"

#include <string>
#include <vector>

#include "tests/tokenizer/fixtures.h"
#include "tokenizer/byte_table.h"
#include "tokenizer/pretokenizer.h"

using namespace roberta::tokenizer;

namespace {
std::vector<std::string> pieces(std::string_view text) {
  std::vector<std::string> out;
  PreTokenizer::gpt2().split(text, [&](std::string_view p) { out.emplace_back(p); });
  return out;
}
using V = std::vector<std::string>;
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
