// Fuzzes the preprocessed-dataset readers: dataset.json (the manifest) and the binary shard
// index. The first byte picks the mode:
//   0: the rest is dataset.json, next to one valid shard (shard-00000.bin);
//   1: the rest is a shard file, read as is (the checksum stops almost everything);
//   2: the rest is a shard file whose header checksum is recomputed first, so the fuzzer gets
//      past the checksum and exercises the structural checks (counts, offsets, sizes).
// An opened dataset is walked completely (every document, sentence and token), so an index
// that passes the checks but points outside the file shows up under ASan. Only
// roberta::Error may escape.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/shards.h"
#include "fuzz/fuzz_util.h"
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
        if (data[0] % 3 == 2 && bytes.size() >= sizeof(roberta::data::ShardHeader)) {
          const uint64_t sum = roberta::data::fnv1a(bytes.data() + sizeof(roberta::data::ShardHeader),
                                                    bytes.size() - sizeof(roberta::data::ShardHeader));
          std::memcpy(bytes.data() + offsetof(roberta::data::ShardHeader, checksum), &sum, sizeof sum);
        }
        std::filesystem::create_directories(shard_dir);
        roberta::fuzz::write_file(shard_dir + "/shard-00000.bin", bytes.data(), bytes.size());
        roberta::fuzz::write_file(shard_dir + "/" + roberta::data::kManifestName,
                                  "{\"version\": 1, \"special\": {\"bos_id\": 0, \"pad_id\": 1, \"eos_id\": 2, "
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
