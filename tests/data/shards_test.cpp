#include "tests/catch.h"

#include <filesystem>
#include <fstream>

#include "data/dataset.h"
#include "data/shards.h"
#include "tests/data/synthetic.h"
#include "util/error.h"

using namespace roberta::data;
namespace fs = std::filesystem;

TEST_CASE("FNV-1a 64 matches the published test vectors", "[data][shards]") {
  // Reference values from the FNV specification (draft-eastlake-fnv).
  CHECK(fnv1a("", 0) == 0xcbf29ce484222325ULL);
  CHECK(fnv1a("a", 1) == 0xaf63dc4c8601ec8cULL);
  CHECK(fnv1a("foobar", 6) == 0x85944171f73967e8ULL);
}

TEST_CASE("shards round-trip documents and sentences, uint16 and uint32", "[data][shards]") {
  for (int64_t vocab : {1000, 70000}) {
    auto corpus = testing::make_corpus("roundtrip" + std::to_string(vocab), 40, 1, 6, 1, 30, vocab, 500);
    auto ds = Dataset::open(corpus.dir);
    REQUIRE(ds->num_documents() == corpus.documents.size());
    CHECK(ds->special().vocab_size == vocab);
    uint64_t s = 0, tokens = 0;
    for (size_t d = 0; d < corpus.documents.size(); ++d) {
      REQUIRE(ds->document_begin(d) == s);
      for (const auto& sentence : corpus.documents[d]) {
        std::vector<int32_t> got;
        ds->append_sentence(s, 0, ds->sentence_length(s), got);
        REQUIRE(got == sentence);
        tokens += sentence.size();
        ++s;
      }
    }
    CHECK(ds->num_sentences() == s);
    CHECK(ds->num_tokens() == tokens);
    // several shards were written and each has the dtype the vocabulary asks for
    ShardReader first((fs::path(corpus.dir) / "shard-00000.bin").string());
    CHECK(first.dtype_bytes() == (vocab <= 65536 ? 2u : 4u));
    CHECK(fs::exists(fs::path(corpus.dir) / "shard-00001.bin"));
  }
}

TEST_CASE("corrupt, truncated and foreign shard files are rejected", "[data][shards]") {
  auto corpus = testing::make_corpus("corrupt", 5, 2, 3, 5, 10);
  const std::string shard = (fs::path(corpus.dir) / "shard-00000.bin").string();
  const auto size = fs::file_size(shard);
  std::string bytes;
  {
    std::ifstream in(shard, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto write = [&](const std::string& content) {
    std::ofstream out(shard, std::ios::binary | std::ios::trunc);
    out << content;
  };
  SECTION("a flipped token byte fails the checksum") {
    std::string bad = bytes;
    bad[size - 9] ^= 0x01;
    write(bad);
    CHECK_THROWS_WITH(ShardReader(shard), Catch::Matchers::ContainsSubstring("checksum mismatch"));
    CHECK_THROWS_AS(Dataset::open(corpus.dir), roberta::Error);
  }
  SECTION("a truncated file names the expected size") {
    write(bytes.substr(0, size - 8));
    CHECK_THROWS_WITH(ShardReader(shard), Catch::Matchers::ContainsSubstring("truncated"));
    write(bytes.substr(0, 10));
    CHECK_THROWS_WITH(ShardReader(shard), Catch::Matchers::ContainsSubstring("truncated"));
  }
  SECTION("wrong magic") {
    std::string bad = bytes;
    bad[0] = 'X';
    write(bad);
    CHECK_THROWS_WITH(ShardReader(shard), Catch::Matchers::ContainsSubstring("magic"));
  }
  SECTION("manifest numbers that are not integers of the field's range are errors naming the key") {
    // Found by fuzz_dataset_manifest: a 106-digit unk_id parsed as a double was cast to int32.
    const fs::path manifest = fs::path(corpus.dir) / kManifestName;
    std::string text;
    {
      std::ifstream in(manifest);
      text.assign(std::istreambuf_iterator<char>(in), {});
    }
    for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
             {"\"unk_id\": 3", "\"unk_id\": 3" + std::string(105, '2')},
             {"\"unk_id\": 3", "\"unk_id\": 3.5"},
             {"\"unk_id\": 3", "\"unk_id\": 4294967296"},
             {"\"tokens\": ", "\"tokens\": -"}}) {
      std::string bad = text;
      const auto at = bad.find(from);
      REQUIRE(at != std::string::npos);
      bad.replace(at, from.size(), to);
      {
        std::ofstream out(manifest, std::ios::trunc);
        out << bad;
      }
      INFO(to);
      CHECK_THROWS_WITH(Dataset::open(corpus.dir), Catch::Matchers::ContainsSubstring("expected an integer in"));
    }
  }
  SECTION("a missing manifest says what to run") {
    fs::remove(fs::path(corpus.dir) / kManifestName);
    CHECK_THROWS_WITH(Dataset::open(corpus.dir), Catch::Matchers::ContainsSubstring("preprocess"));
  }
}

TEST_CASE("token ids outside the vocabulary are refused at write time", "[data][shards]") {
  ShardWriter writer(testing::temp_dir("oov") + "/s.bin", 100);
  writer.begin_document();
  CHECK_THROWS_AS(writer.add_sentence({5, 100}), roberta::Error);
}
