// Ids against Hugging Face tokenizers (golden.json, made by scripts/reference/gen_fixtures.js)
// for GPT-2's own files and for the RoBERTa-style copy with special tokens.
#include "tests/catch.h"

#include <thread>

#include "tests/tokenizer/fixtures.h"
#include "tokenizer/batch_encode.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"

using namespace roberta::tokenizer;
using roberta::tokenizer::testing::fixture_path;
using roberta::tokenizer::testing::golden_cases;

namespace {
const Tokenizer& gpt2() {
  static const Tokenizer t = Tokenizer::load(fixture_path("gpt2"));
  return t;
}
const Tokenizer& roberta_copy() {
  static const Tokenizer t = Tokenizer::load(fixture_path("roberta"));
  return t;
}
}  // namespace

TEST_CASE("GPT-2 files load, ids equal Hugging Face's on every golden text", "[tokenizer][golden]") {
  CHECK(gpt2().vocab_size() == 50257);
  for (const auto& c : golden_cases()) {
    std::string text = c["text"];
    INFO(c["name"].get<std::string>() << ": " << text);
    auto ids = gpt2().encode(text);
    CHECK(ids == c["gpt2_ids"].get<std::vector<int32_t>>());
    CHECK(gpt2().decode(ids) == text);
  }
}

TEST_CASE("GPT-2 vocab without RoBERTa specials: bos/eos/unk are <|endoftext|>, no pad/mask", "[tokenizer][specials]") {
  CHECK(gpt2().bos_id() == 50256);
  CHECK(gpt2().eos_id() == 50256);
  CHECK(gpt2().unk_id() == 50256);
  CHECK(gpt2().pad_id() == -1);
  CHECK(gpt2().mask_id() == -1);
  CHECK_FALSE(gpt2().has_mask());
  CHECK(gpt2().is_special(50256));
  CHECK_FALSE(gpt2().is_special(0));
  CHECK(gpt2().token_to_id("\xC4\xA0the") == 262);  // "Ġthe"
  CHECK(gpt2().id_to_token(262) == "\xC4\xA0the");
  CHECK_FALSE(gpt2().token_to_id("no such token").has_value());
}

TEST_CASE("RoBERTa-style copy: special ids, templates and <mask> lstrip equal Hugging Face's", "[tokenizer][golden][specials]") {
  const Tokenizer& t = roberta_copy();
  CHECK(t.bos_id() == 0);
  CHECK(t.pad_id() == 1);
  CHECK(t.eos_id() == 2);
  CHECK(t.unk_id() == 3);
  CHECK(t.mask_id() == t.vocab_size() - 1);
  CHECK(t.vocab_size() == 50262);
  for (int32_t id : {0, 1, 2, 3, t.mask_id()}) CHECK(t.is_special(id));
  for (const auto& c : golden_cases()) {
    std::string text = c["text"];
    INFO(c["name"].get<std::string>() << ": " << text);
    CHECK(t.encode_with_specials(text) == c["roberta_ids"].get<std::vector<int32_t>>());
    CHECK(t.encode_single(text) == c["roberta_single"].get<std::vector<int32_t>>());
    CHECK(t.encode_pair(text, "Second segment.") == c["roberta_pair"].get<std::vector<int32_t>>());
  }
}

TEST_CASE("encode does not recognise special strings, decode can skip specials", "[tokenizer][specials]") {
  const Tokenizer& t = roberta_copy();
  auto plain = t.encode("a <mask>");
  CHECK(std::find(plain.begin(), plain.end(), t.mask_id()) == plain.end());
  CHECK(t.decode(plain) == "a <mask>");
  auto single = t.encode_single("Hello <mask>!");
  CHECK(t.decode(single) == "<s>Hello<mask>!</s>");
  CHECK(t.decode(single, true) == "Hello!");
  CHECK_THROWS_AS(t.decode({t.vocab_size()}), roberta::Error);
}

TEST_CASE("invalid UTF-8 is kept byte for byte and counted", "[tokenizer][utf8]") {
  const Tokenizer t = Tokenizer::load(fixture_path("gpt2"));  // own copy: own counter
  std::string text = "ok\xFF" "caf\xC3" " \xED\xA0\x80 end\x80";
  auto ids = t.encode(text);
  CHECK(t.decode(ids) == text);
  CHECK(t.invalid_bytes_seen() == 6);
  // Each invalid byte is its own token: the byte's single-byte token id.
  std::vector<int32_t> expected_ff{*t.token_to_id("\xC3\xBF")};  // 0xFF -> 'ÿ'
  CHECK(t.encode("\xFF") == expected_ff);
  // Valid text around them is tokenized as if they were separators.
  auto ok = t.encode("ok");
  CHECK(std::equal(ok.begin(), ok.end(), ids.begin()));
}

TEST_CASE("decode(encode(x)) == x for arbitrary bytes", "[tokenizer][roundtrip]") {
  uint32_t state = 7;
  for (int n = 0; n < 200; ++n) {
    std::string s;
    for (int i = 0; i < n % 40; ++i) {
      state = state * 1664525u + 1013904223u;
      s.push_back(char(state >> 24));
    }
    CHECK(gpt2().decode(gpt2().encode(s)) == s);
  }
}

TEST_CASE("encoding from many threads gives the single-thread ids", "[tokenizer][threads]") {
  std::vector<std::string> texts;
  std::vector<std::vector<int32_t>> expected;
  for (const auto& c : golden_cases()) {
    texts.push_back(c["text"]);
    expected.push_back(c["gpt2_ids"].get<std::vector<int32_t>>());
  }
  const Tokenizer t = Tokenizer::load(fixture_path("gpt2"));  // cold cache: threads race to fill it
  std::vector<std::string_view> lines;
  for (int rep = 0; rep < 8; ++rep)
    for (auto& s : texts) lines.push_back(s);
  BatchEncodeOptions options;
  options.threads = 4;
  auto got = encode_lines(t, lines, options);
  for (size_t i = 0; i < lines.size(); ++i) CHECK(got[i] == expected[i % texts.size()]);
}
