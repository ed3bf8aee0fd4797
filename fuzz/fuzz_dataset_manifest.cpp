// Fuzzes the preprocessed-dataset readers: dataset.json (the manifest) and the binary shard
// index. The first byte picks the mode:
//   0: the rest is dataset.json, next to one valid shard (shard-00000.bin);
//   1: the rest is a shard file, read as is (the checksums stop almost everything);
//   2: the rest is a shard file whose block CRCs and index CRC are recomputed first (where the
//      header's counts fit the size), so the fuzzer gets past the checksums and exercises the
//      structural checks (counts, offsets, sizes).
// An opened dataset is walked completely (every document, sentence and token), so an index
// that passes the checks but points outside the file shows up under ASan. Only
// roberta::Error may escape.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/shards.h"
#include "fuzz/fuzz_util.h"
#include "util/crc32c.h"
#include "util/error.h"

namespace {

void walk(const roberta::data::Dataset& ds) {
  std::vector<int32_t> tokens;
  for (uint64_t d = 0; d < ds.num_documents(); ++d) {
    for (uint64_t s = ds.document_begin(d); s < ds.document_begin(d + 1); ++s) {
      tokens.clear();
      ds.append_sentence(s, 0, ds.sentence_length(s), tokens);
    }
  }
}

// Recomputes the tables (first offsets, index and token block CRCs) and the header's CRC of
// a shard whose header fits its size, so that the fuzzer gets past the checksums to the
// offsets and tokens behind them.
void fix_checksums(std::vector<uint8_t>& bytes) {
  using roberta::data::ShardHeader;
  if (bytes.size() < sizeof(ShardHeader)) return;
  ShardHeader h;
  std::memcpy(&h, bytes.data(), sizeof h);
  const uint64_t size = bytes.size();
  if (h.block_bytes == 0 || h.block_bytes % 8 != 0 || (h.dtype_bytes != 2 && h.dtype_bytes != 4) ||
      h.index_block_entries == 0 || h.num_tokens > size || h.num_sentences > size || h.num_documents > size) {
    return;
  }
  auto pad8 = [](uint64_t n) { return (n + 7) / 8 * 8; };
  const uint64_t token_section = h.num_tokens * h.dtype_bytes;
  const uint64_t blocks = (token_section + h.block_bytes - 1) / h.block_bytes;
  const uint64_t counts[3] = {h.num_sentences + 1, h.num_documents + 1, h.num_documents + 1};
  uint64_t index_blocks[3];
  uint64_t offsets = 0, tables = pad8(blocks * 4);
  for (int a = 0; a < 3; ++a) {
    index_blocks[a] = (counts[a] + h.index_block_entries - 1) / h.index_block_entries;
    offsets += counts[a] * 8;
    tables += index_blocks[a] * 8 + pad8(index_blocks[a] * 4);
  }
  if (sizeof h + offsets + tables + pad8(token_section) != size) return;
  uint8_t* table = bytes.data() + sizeof h + offsets;
  uint8_t* first = table;
  uint8_t* index_crc = table + (index_blocks[0] + index_blocks[1] + index_blocks[2]) * 8;
  const uint8_t* entries = bytes.data() + sizeof h;
  for (int a = 0; a < 3; ++a) {
    for (uint64_t k = 0; k < index_blocks[a]; ++k) {
      const uint64_t begin = k * h.index_block_entries, n = std::min(h.index_block_entries, counts[a] - begin);
      std::memcpy(first + 8 * k, entries + begin * 8, 8);
      const uint32_t crc = roberta::crc32c(entries + begin * 8, n * 8);
      std::memcpy(index_crc + 4 * k, &crc, 4);
    }
    first += index_blocks[a] * 8;
    index_crc += pad8(index_blocks[a] * 4);
    entries += counts[a] * 8;
  }
  uint8_t* crcs = index_crc;
  const uint8_t* tokens = table + tables;
  for (uint64_t k = 0; k < blocks; ++k) {
    const uint64_t begin = k * h.block_bytes;
    const uint32_t crc = roberta::crc32c(tokens + begin, std::min(h.block_bytes, token_section - begin));
    std::memcpy(crcs + 4 * k, &crc, 4);
  }
  h.index_crc = roberta::crc32c(table, tables);
  std::memcpy(bytes.data(), &h, sizeof h);
}

// Writes a valid two-document dataset once; mode 0 replaces only its manifest.
void ensure_valid_shard(const std::string& dir) {
  static bool done = false;
  if (done) return;
  roberta::data::SpecialTokens special;
  special.vocab_size = 100;
  roberta::data::DatasetWriter writer(dir, special);
  writer.begin_document();
  writer.add_sentence({5, 6, 7});
  writer.add_sentence({8});
  writer.begin_document();
  writer.add_sentence({9, 10});
  writer.finish();
  done = true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string dir = roberta::fuzz::scratch_dir() + "/dataset";
  const std::string shard_dir = roberta::fuzz::scratch_dir() + "/shard";
  try {
    switch (data[0] % 3) {
      case 0: {
        ensure_valid_shard(dir);
        roberta::fuzz::write_file(dir + "/" + roberta::data::kManifestName, data + 1, size - 1);
        walk(*roberta::data::Dataset::open(dir));
        break;
      }
      default: {
        std::vector<uint8_t> bytes(data + 1, data + size);
        if (data[0] % 3 == 2) fix_checksums(bytes);
        std::filesystem::create_directories(shard_dir);
        roberta::fuzz::write_file(shard_dir + "/shard-00000.bin", bytes.data(), bytes.size());
        roberta::fuzz::write_file(shard_dir + "/" + roberta::data::kManifestName,
                                  "{\"version\": 2, \"special\": {\"bos_id\": 0, \"pad_id\": 1, \"eos_id\": 2, "
                                  "\"unk_id\": 3, \"mask_id\": 99, \"vocab_size\": 100}, "
                                  "\"shards\": [\"shard-00000.bin\"], \"documents\": 0, \"tokens\": 0}");
        roberta::data::ShardReader shard(shard_dir + "/shard-00000.bin");
        std::vector<int32_t> tokens;
        for (uint64_t s = 0; s < shard.num_sentences(); ++s) {
          tokens.clear();
          shard.append_tokens(shard.sentence_begin(s), shard.sentence_begin(s + 1), tokens);
        }
        for (uint64_t d = 0; d < shard.num_documents(); ++d) {
          if (shard.document_begin(d + 1) > shard.num_sentences()) std::abort();
        }
        break;
      }
    }
  } catch (const roberta::Error&) {
    // the expected outcome for a bad file
  }
  return 0;
}
