#include "tests/catch.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "data/dataset.h"
#include "data/formats/sample_plan.h"
#include "data/shards.h"
#include "tests/data/synthetic.h"
#include "util/crc32c.h"
#include "util/error.h"

using namespace roberta::data;

namespace {
std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
}  // namespace
namespace fs = std::filesystem;

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
  ShardHeader header;
  std::memcpy(&header, bytes.data(), sizeof header);
  const size_t document_offsets = sizeof(ShardHeader) + (header.num_sentences + 1) * 8;
  const size_t tables = document_offsets + 2 * (header.num_documents + 1) * 8;  // document, document token offsets
  SECTION("a flipped byte in the block tables fails the index checksum at open") {
    std::string bad = bytes;
    bad[tables + 3] ^= 0x01;  // a sentence block's first offset
    write(bad);
    CHECK_THROWS_WITH(ShardReader(shard), Catch::Matchers::ContainsSubstring("index checksum mismatch"));
    // The dataset opens from dataset.json alone; the shard fails when first used, and again.
    auto ds = Dataset::open(corpus.dir);
    CHECK_THROWS_WITH(ds->shard(0), Catch::Matchers::ContainsSubstring("index checksum mismatch"));
    CHECK_THROWS_WITH(ds->document_begin(1), Catch::Matchers::ContainsSubstring("index checksum mismatch"));
  }
  SECTION("a missing or truncated shard fails when the dataset opens, naming the file and the sizes") {
    write(bytes.substr(0, size - 8));
    CHECK_THROWS_WITH(Dataset::open(corpus.dir), Catch::Matchers::ContainsSubstring(shard) &&
                                                     Catch::Matchers::ContainsSubstring("expected " + std::to_string(size) +
                                                                                        " bytes (dataset.json), found " +
                                                                                        std::to_string(size - 8)));
    fs::remove(shard);
    CHECK_THROWS_WITH(Dataset::open(corpus.dir), Catch::Matchers::ContainsSubstring(shard) &&
                                                     Catch::Matchers::ContainsSubstring("cannot open shard"));
  }
  SECTION("a shard that is not the one dataset.json describes is refused when first used") {
    const fs::path manifest = fs::path(corpus.dir) / kManifestName;
    nlohmann::json j = nlohmann::json::parse(read_text(manifest.string()));
    j["shard_info"][0]["index_crc"] = j["shard_info"][0]["index_crc"].get<uint32_t>() ^ 1u;
    std::ofstream(manifest, std::ios::trunc) << j.dump();
    auto ds = Dataset::open(corpus.dir);
    CHECK_THROWS_WITH(ds->shard(0), Catch::Matchers::ContainsSubstring(shard) &&
                                        Catch::Matchers::ContainsSubstring("was replaced after `roberta preprocess`"));
  }
  SECTION("a flipped byte in the document offsets: the shard opens, its first use names the document index") {
    std::string bad = bytes;
    bad[document_offsets + 8] ^= 0x01;  // the second document offset
    write(bad);
    ShardReader reader(shard);  // opening reads no offset, only the tables
    CHECK_THROWS_WITH(reader.document_begin(1), Catch::Matchers::ContainsSubstring(shard) &&
                                                    Catch::Matchers::ContainsSubstring("corrupt document index block 0 of 1"));
    CHECK_THROWS_WITH(reader.document_of(0), Catch::Matchers::ContainsSubstring("corrupt document index block"));
    auto ds = Dataset::open(corpus.dir);  // opens: nothing read yet
    CHECK_THROWS_WITH(ds->document_begin(1), Catch::Matchers::ContainsSubstring("corrupt document index block"));
  }
  SECTION("a flipped byte in the sentence offsets: the shard opens, its first use names the sentence index") {
    std::string bad = bytes;
    bad[sizeof(ShardHeader) + 8] ^= 0x01;  // the second sentence offset
    write(bad);
    ShardReader reader(shard);
    CHECK_THROWS_WITH(reader.sentence_begin(1), Catch::Matchers::ContainsSubstring(shard) &&
                                                    Catch::Matchers::ContainsSubstring("corrupt sentence index block 0 of 1"));
    CHECK_THROWS_WITH(reader.sentence_of(0), Catch::Matchers::ContainsSubstring("corrupt sentence index block"));
    // through a loader: the error reaches next(), no batch is built
    auto ds = Dataset::open(corpus.dir);
    FormatOptions format;
    format.seq_len = 16;
    CHECK_THROWS_WITH(make_plan(*ds, format, 1, PlanCache::off),
                      Catch::Matchers::ContainsSubstring("corrupt sentence index block"));
  }
  SECTION("an older shard version says to preprocess again") {
    std::string bad = bytes;
    bad[8] = 2;
    write(bad);
    CHECK_THROWS_WITH(ShardReader(shard), Catch::Matchers::ContainsSubstring("expected 4, found 2") &&
                                              Catch::Matchers::ContainsSubstring("roberta preprocess"));
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

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

}  // namespace

TEST_CASE("a shard opens without reading its tokens, a flipped byte in a block read late is caught "
          "when read, naming the shard, block and file offset", "[data][shards]") {
  // 1.5M uint16 tokens: three 1 MiB blocks (the last one shorter).
  constexpr uint64_t kBlock = 1 << 20;
  const std::string path = testing::temp_dir("lazy") + "/s.bin";
  const int sentences = 1500, length = 1000;
  {
    ShardWriter writer(path, 50000, kBlock);
    writer.begin_document();
    std::vector<int32_t> sentence(length);
    for (int s = 0; s < sentences; ++s) {
      for (int i = 0; i < length; ++i) sentence[i] = (s * 7 + i) % 50000;
      writer.add_sentence(sentence);
    }
    writer.finish();
  }
  const uint64_t token_bytes = uint64_t(sentences) * length * 2;
  {
    ShardReader reader(path);
    REQUIRE(reader.num_blocks() == (token_bytes + kBlock - 1) / kBlock);
    REQUIRE(reader.num_blocks() == 3);
    CHECK(reader.blocks_verified() == 0);  // opening read the header and index only
    std::vector<int32_t> out;
    reader.append_tokens(10, 20, out);
    CHECK(reader.blocks_verified() == 1);
    CHECK(out[0] == 10);
  }
  // Flip one token byte in the last block: the file still opens, the early blocks still read.
  std::string bytes = read_file(path);
  const uint64_t flipped = bytes.size() - 100;
  const uint64_t tokens_offset = bytes.size() - (token_bytes + 7) / 8 * 8;
  const uint64_t block = (flipped - tokens_offset) / kBlock;
  REQUIRE(block == 2);
  bytes[flipped] ^= 0x10;
  write_file(path, bytes);
  ShardReader reader(path);
  std::vector<int32_t> out;
  reader.append_tokens(0, kBlock / 2 + 5, out);  // blocks 0 and 1
  CHECK(reader.blocks_verified() == 2);
  const uint64_t last_sentence_begin = reader.sentence_begin(sentences - 1);
  const std::string expected_range =
      std::to_string(tokens_offset + 2 * kBlock) + ".." + std::to_string(tokens_offset + token_bytes);
  for (int attempt = 0; attempt < 2; ++attempt) {  // and again: a bad block never becomes "checked"
    CHECK_THROWS_WITH(reader.append_tokens(last_sentence_begin, reader.sentence_begin(sentences), out),
                      Catch::Matchers::ContainsSubstring(path) &&
                          Catch::Matchers::ContainsSubstring("corrupt token block 2 of 3") &&
                          Catch::Matchers::ContainsSubstring("file bytes " + expected_range));
  }
  CHECK(reader.blocks_verified() == 2);
}

TEST_CASE("the block CRC table holds the CRC-32C of each token block", "[data][shards]") {
  const std::string path = testing::temp_dir("blocks") + "/s.bin";
  constexpr uint64_t kBlock = 1 << 20;
  {
    ShardWriter writer(path, 70000, kBlock);  // uint32 ids
    writer.begin_document();
    std::vector<int32_t> sentence(300000);
    for (size_t i = 0; i < sentence.size(); ++i) sentence[i] = int32_t(i * 2654435761u % 70000);
    writer.add_sentence(sentence);
    writer.finish();
  }
  const std::string bytes = read_file(path);
  ShardHeader header;
  std::memcpy(&header, bytes.data(), sizeof header);
  CHECK(header.version == kShardVersion);
  CHECK(header.block_bytes == kBlock);
  const uint64_t token_bytes = 300000 * 4, blocks = 2;
  // offsets: 2 sentence + 2 document + 2 document token; tables: 1 + 1 + 1 first offsets,
  // 1 + 1 + 1 index CRCs (each padded to 8 bytes), then the token block CRCs
  const uint64_t tables = sizeof header + (2 + 2 + 2) * 8;
  const uint64_t crc_table = tables + 3 * 8 + 3 * 8;
  const uint64_t tokens = crc_table + 8;
  REQUIRE(bytes.size() == tokens + token_bytes);
  for (uint64_t k = 0; k < blocks; ++k) {
    uint32_t stored;
    std::memcpy(&stored, bytes.data() + crc_table + 4 * k, 4);
    const uint64_t begin = tokens + k * kBlock;
    CHECK(stored == roberta::crc32c(bytes.data() + begin, std::min<uint64_t>(kBlock, bytes.size() - begin)));
  }
  for (int array = 0; array < 3; ++array) {  // sentence, document, document token offsets
    uint32_t stored;
    std::memcpy(&stored, bytes.data() + tables + 24 + 8 * array, 4);
    CHECK(stored == roberta::crc32c(bytes.data() + sizeof header + 16 * array, 2 * 8));
  }
  uint64_t document_tokens[2];
  std::memcpy(document_tokens, bytes.data() + sizeof header + 32, 16);
  CHECK(document_tokens[0] == 0);
  CHECK(document_tokens[1] == 300000);
  CHECK(header.index_block_entries == kIndexBlockEntries);
  CHECK(header.index_crc == roberta::crc32c(bytes.data() + tables, tokens - tables));
}

// Offsets in many index blocks: opening reads none of them; finding the sentence of a token
// late in the shard checks the one block it lands in; a flipped offset in a block read late is
// caught then, naming the block, and the other blocks still read.
TEST_CASE("index blocks are checked one at a time, when first read", "[data][shards]") {
  const std::string path = testing::temp_dir("index_blocks") + "/s.bin";
  constexpr uint64_t kEntries = 16;
  const int documents = 40, sentences_per_document = 5;
  {
    ShardWriter writer(path, 50000, 64, kEntries);
    for (int d = 0; d < documents; ++d) {
      writer.begin_document();
      for (int s = 0; s < sentences_per_document; ++s) writer.add_sentence(std::vector<int32_t>(3 + (d + s) % 4, d));
    }
    writer.finish();
  }
  const uint64_t sentences = documents * sentences_per_document;  // 200 (+1 offsets): 13 blocks
  std::vector<uint64_t> truth(sentences + 1, 0);
  for (int d = 0, s = 0; d < documents; ++d) {
    for (int j = 0; j < sentences_per_document; ++j, ++s) truth[s + 1] = truth[s] + 3 + (d + j) % 4;
  }
  {
    ShardReader reader(path);
    for (uint64_t t = 0; t < truth.back(); t += 7) {
      const uint64_t s = reader.sentence_of(t);
      REQUIRE(truth[s] <= t);
      REQUIRE(t < truth[s + 1]);
      REQUIRE(reader.document_of(s) == s / sentences_per_document);
      REQUIRE(reader.document_of_token(t) == s / sentences_per_document);
      REQUIRE(reader.document_token_begin(s / sentences_per_document) == truth[s / sentences_per_document * sentences_per_document]);
    }
    for (uint64_t s = 0; s <= sentences; ++s) REQUIRE(reader.sentence_begin(s) == truth[s]);
  }
  std::string bytes = read_file(path);
  const uint64_t late = 190;  // in sentence index block 11 of 13
  bytes[sizeof(ShardHeader) + late * 8] ^= 0x04;
  write_file(path, bytes);
  ShardReader reader(path);
  CHECK(reader.sentence_of(truth[20]) == 20);  // block 1: fine
  CHECK(reader.sentence_begin(100) == truth[100]);
  const std::string range = std::to_string(sizeof(ShardHeader) + 176 * 8) + ".." + std::to_string(sizeof(ShardHeader) + 192 * 8);
  for (int attempt = 0; attempt < 2; ++attempt) {  // a bad block never becomes "checked"
    CHECK_THROWS_WITH(reader.sentence_begin(late), Catch::Matchers::ContainsSubstring(path) &&
                                                       Catch::Matchers::ContainsSubstring("corrupt sentence index block 11 of 13") &&
                                                       Catch::Matchers::ContainsSubstring("file bytes " + range));
    CHECK_THROWS_WITH(reader.sentence_of(truth[185]), Catch::Matchers::ContainsSubstring("corrupt sentence index block 11"));
  }
}

TEST_CASE("shards are written with 64 KiB blocks by default", "[data][shards]") {
  const std::string path = testing::temp_dir("default_blocks") + "/s.bin";
  ShardWriter writer(path, 50000);
  writer.begin_document();
  writer.add_sentence(std::vector<int32_t>(100000, 7));  // 200,000 bytes: 4 blocks, the last shorter
  writer.finish();
  ShardReader reader(path);
  CHECK(reader.block_bytes() == 64 * 1024);
  CHECK(reader.num_blocks() == 4);
}

TEST_CASE("token ids outside the vocabulary are refused at write time", "[data][shards]") {
  ShardWriter writer(testing::temp_dir("oov") + "/s.bin", 100);
  writer.begin_document();
  CHECK_THROWS_AS(writer.add_sentence({5, 100}), roberta::Error);
}
