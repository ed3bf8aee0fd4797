// File errors name the file and line; save/load round trips.
#include "tests/catch.h"

#include <filesystem>
#include <fstream>

#include "tests/tokenizer/fixtures.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/vocab_files.h"
#include "util/error.h"

using namespace roberta::tokenizer;
namespace fs = std::filesystem;

namespace {
// A scratch tokenizer directory with the given file contents.
std::string make_dir(const std::string& name, const std::string& vocab, const std::string& merges) {
  fs::path dir = fs::temp_directory_path() / ("roberta_tok_test_" + name);
  fs::create_directories(dir);
  std::ofstream(dir / "vocab.json") << vocab;
  std::ofstream(dir / "merges.txt") << merges;
  return dir.string();
}
std::string error_of(const std::string& dir) {
  try {
    Tokenizer::load(dir);
  } catch (const roberta::Error& e) {
    return e.what();
  }
  return "";
}
std::string bytes_vocab(const std::string& extra) {
  // Every byte char is required for a usable tokenizer, but loading only needs merge tokens.
  return "{\"a\":0,\"b\":1,\"ab\":2" + extra + "}";
}
}  // namespace

TEST_CASE("malformed vocab.json is an error naming file and line", "[tokenizer][files]") {
  auto dir = make_dir("bad_json", "{\"a\":0,\n\"b\":1,\n\"ab\" 2}", "#version: 0.2\na b\n");
  auto message = error_of(dir);
  CHECK_THAT(message, Catch::Matchers::ContainsSubstring("vocab.json:3:"));
  CHECK_THAT(message, Catch::Matchers::ContainsSubstring("malformed JSON"));
}

TEST_CASE("a number beyond double's range in vocab.json is an error, not a crash", "[tokenizer][files]") {
  // Found by fuzz_vocab_files: nlohmann throws out_of_range (not parse_error) for it.
  auto dir = make_dir("huge_number", "2" + std::string(400, '8'), "#version: 0.2\n");
  auto message = error_of(dir);
  CHECK_THAT(message, Catch::Matchers::ContainsSubstring("vocab.json"));
  CHECK_THAT(message, Catch::Matchers::ContainsSubstring("malformed JSON"));
}

TEST_CASE("vocab.json with a non-integer or duplicate id is an error", "[tokenizer][files]") {
  CHECK_THAT(error_of(make_dir("str_id", "{\"a\":\"0\"}", "")), Catch::Matchers::ContainsSubstring("expected an integer id"));
  CHECK_THAT(error_of(make_dir("dup_id", "{\"a\":0,\"b\":0}", "")), Catch::Matchers::ContainsSubstring("id 0 used by both"));
  CHECK_THAT(error_of(make_dir("gap_id", "{\"a\":0,\"b\":5}", "")), Catch::Matchers::ContainsSubstring("out of range"));
}

TEST_CASE("a merge naming an unknown token is an error with its line number", "[tokenizer][files]") {
  auto dir = make_dir("unknown_merge", bytes_vocab(""), "#version: 0.2\na b\nab c\n");
  auto message = error_of(dir);
  CHECK_THAT(message, Catch::Matchers::ContainsSubstring("merges.txt:3:"));
  CHECK_THAT(message, Catch::Matchers::ContainsSubstring("\"c\""));
  auto missing_result = make_dir("unknown_result", "{\"a\":0,\"b\":1}", "#version: 0.2\na b\n");
  CHECK_THAT(error_of(missing_result), Catch::Matchers::ContainsSubstring("merges.txt:2:"));
  CHECK_THAT(error_of(missing_result), Catch::Matchers::ContainsSubstring("merged token \"ab\""));
}

TEST_CASE("a malformed merge line is an error with its line number", "[tokenizer][files]") {
  CHECK_THAT(error_of(make_dir("bad_line", bytes_vocab(""), "#version: 0.2\na b\nab\n")),
             Catch::Matchers::ContainsSubstring("merges.txt:3:"));
  CHECK_THAT(error_of(make_dir("three", bytes_vocab(""), "a b c\n")), Catch::Matchers::ContainsSubstring("merges.txt:1:"));
}

TEST_CASE("missing directory or files are errors", "[tokenizer][files]") {
  CHECK_THAT(error_of("/nonexistent/tokenizer"), Catch::Matchers::ContainsSubstring("not a directory"));
  fs::path dir = fs::temp_directory_path() / "roberta_tok_test_empty";
  fs::create_directories(dir);
  fs::remove(dir / "vocab.json");
  CHECK_THAT(error_of(dir.string()), Catch::Matchers::ContainsSubstring("vocab.json: cannot open"));
}

TEST_CASE("save writes the HF pair that loads back identically", "[tokenizer][files]") {
  Tokenizer t = Tokenizer::load(testing::fixture_path("roberta"));
  fs::path dir = fs::temp_directory_path() / "roberta_tok_test_saved";
  t.save(dir.string());
  Tokenizer back = Tokenizer::load(dir.string());
  CHECK(back.files().tokens == t.files().tokens);
  REQUIRE(back.files().merges.size() == t.files().merges.size());
  CHECK(back.files().merges[0].left == t.files().merges[0].left);
  CHECK(back.files().merges.back().right == t.files().merges.back().right);
  std::string text = "Round trip <mask> through save and load.";
  CHECK(back.encode_single(text) == t.encode_single(text));
}
