// Preprocessing the real-text fixture with the RoBERTa tokenizer fixture: the shards decode
// back to the input text, and re-runs (any thread count, any chunking) are byte-identical.
#include "tests/catch.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "data/corpus.h"
#include "data/dataset.h"
#include "data/preprocess.h"
#include "tests/data/synthetic.h"
#include "util/error.h"

using namespace roberta::data;
namespace fs = std::filesystem;

namespace {

const std::string kFixture = std::string(ROBERTA_FIXTURES) + "/data/brown_sample.txt";

const roberta::tokenizer::Tokenizer& tokenizer() {
  static auto tok = roberta::tokenizer::Tokenizer::load(std::string(ROBERTA_FIXTURES) + "/tokenizer/roberta");
  return tok;
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string squeeze_spaces(const std::string& text) {
  std::string out;
  for (char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (space) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

TEST_CASE("preprocess: documents decode back to the text, re-runs are byte-identical", "[data][preprocess]") {
  const std::string root = testing::temp_dir("preprocess");
  PreprocessOptions o;
  o.inputs = {kFixture};
  o.progress = false;
  o.output = root + "/a";
  o.threads = 1;
  auto summary = preprocess(tokenizer(), o);

  // the truth: the documents as the corpus reader sees them
  std::vector<std::string> documents;
  {
    CorpusReader reader(kFixture, CorpusFormat::text);
    std::string doc;
    while (reader.next(doc)) documents.push_back(doc);
  }
  CHECK(documents.size() == 20);
  CHECK(summary.documents == documents.size());
  CHECK(summary.bytes == fs::file_size(kFixture));

  auto ds = Dataset::open(o.output);
  REQUIRE(ds->num_documents() == documents.size());
  CHECK(ds->num_tokens() == summary.tokens);
  CHECK(ds->num_sentences() == summary.sentences);
  CHECK(summary.sentences > 20 * 30);  // many sentences per document, not one per line
  CHECK(ds->special().vocab_size == tokenizer().vocab_size());
  CHECK(ds->special().mask_id == tokenizer().mask_id());
  CHECK(ds->special().pad_id == tokenizer().pad_id());
  for (uint64_t d = 0; d < ds->num_documents(); ++d) {
    std::vector<int32_t> ids;
    for (uint64_t s = ds->document_begin(d); s < ds->document_begin(d + 1); ++s) {
      ds->append_sentence(s, 0, ds->sentence_length(s), ids);
    }
    REQUIRE(tokenizer().decode(ids) == squeeze_spaces(documents[d]));
  }
  CHECK(is_preprocessed(tokenizer(), o));

  // other thread count, tiny chunks and shards: same bytes
  PreprocessOptions o2 = o;
  o2.output = root + "/b";
  o2.threads = 3;
  o2.chunk_bytes = 1000;
  auto summary2 = preprocess(tokenizer(), o2);
  CHECK(summary2.tokens == summary.tokens);
  for (const auto& name : {"shard-00000.bin", "dataset.json"}) {
    CHECK(read_bytes(fs::path(o.output) / name) == read_bytes(fs::path(o2.output) / name));
  }
  PreprocessOptions o3 = o;
  o3.inputs = {kFixture, kFixture};
  CHECK_FALSE(is_preprocessed(tokenizer(), o3));
  // shards of an older format version are not up to date (preprocess redoes them)
  {
    std::fstream shard((fs::path(o.output) / "shard-00000.bin").string(), std::ios::in | std::ios::out | std::ios::binary);
    shard.seekp(8);
    const uint32_t old_version = kShardVersion - 1;
    shard.write(reinterpret_cast<const char*>(&old_version), sizeof(old_version));
  }
  CHECK_FALSE(is_preprocessed(tokenizer(), o));
}

TEST_CASE("preprocess: missing input is an error naming the file", "[data][preprocess]") {
  PreprocessOptions o;
  o.inputs = {"/nonexistent/corpus.txt"};
  o.output = testing::temp_dir("preprocess_missing") + "/out";
  o.progress = false;
  CHECK_THROWS_WITH(preprocess(tokenizer(), o), Catch::Matchers::ContainsSubstring("/nonexistent/corpus.txt"));
}

TEST_CASE("preprocess: an interrupted run continues where it stopped, byte-identical to an uninterrupted one", "[data][preprocess]") {
  const std::string root = testing::temp_dir("preprocess_resume");
  // Two inputs (text, then the same text as JSONL) and small shards, so the run stops in the
  // middle of the first input and again inside the second one.
  const std::string jsonl = root + "/more.jsonl";
  {
    CorpusReader reader(kFixture, CorpusFormat::text);
    std::ofstream out(jsonl);
    std::string document;
    while (reader.next(document)) out << nlohmann::json{{"text", document}}.dump() << "\n";
  }
  PreprocessOptions o;
  o.inputs = {kFixture, jsonl};
  o.progress = false;
  o.threads = 2;
  o.chunk_bytes = 3000;
  o.shard_tokens = 4000;
  o.output = root + "/whole";
  const auto whole = preprocess(tokenizer(), o);
  const auto shards = Dataset::open(o.output)->num_shards();
  REQUIRE(shards >= 6);

  PreprocessOptions cut = o;
  cut.output = root + "/cut";
  for (uint64_t stop : {uint64_t{2}, uint64_t{shards / 2 + 1}}) {  // stopped twice: inside the first input, then the second
    cut.stop_after_shards = stop;
    CHECK_THROWS_WITH(preprocess(tokenizer(), cut), Catch::Matchers::ContainsSubstring("stopped after"));
    CHECK_FALSE(fs::exists(cut.output));
    CHECK(fs::exists(fs::path(cut.output + ".tmp") / "progress.json"));
  }
  cut.stop_after_shards = 0;
  cut.chunk_bytes = 7000;  // another chunking: the output must not depend on it
  const auto resumed = preprocess(tokenizer(), cut);
  CHECK(resumed.resumed_shards == shards / 2 + 1);
  CHECK(resumed.resumed_bytes > fs::file_size(kFixture));  // it continued inside the second input
  CHECK(resumed.bytes + resumed.resumed_bytes == whole.bytes);
  CHECK(resumed.tokens == whole.tokens);
  CHECK(resumed.documents == whole.documents);
  CHECK_FALSE(fs::exists(cut.output + ".tmp"));
  for (const auto& entry : fs::directory_iterator(o.output)) {
    const auto name = entry.path().filename();
    INFO(name);
    CHECK(read_bytes(entry.path()) == read_bytes(fs::path(cut.output) / name));
  }
  CHECK_FALSE(fs::exists(fs::path(cut.output) / "progress.json"));

  // a progress file from other inputs is not continued: the run starts over
  cut.stop_after_shards = 2;
  CHECK_THROWS(preprocess(tokenizer(), cut));
  PreprocessOptions other = cut;
  other.stop_after_shards = 0;
  other.inputs = {kFixture};
  const auto fresh = preprocess(tokenizer(), other);
  CHECK(fresh.resumed_shards == 0);
  CHECK(fresh.bytes == fs::file_size(kFixture));
}
