// A synthetic dataset for the data-layer tests: documents of sentences of random ids, with
// the ground truth kept in memory so tests can compare what the loader produced with it.
// Ids: 0..3 specials, vocab_size - 1 = <mask>, text ids in [4, vocab_size - 1).
#pragma once

#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace roberta::data::testing {

struct SyntheticCorpus {
  std::string dir;
  SpecialTokens special;
  std::vector<std::vector<std::vector<int32_t>>> documents;  // [doc][sentence][token]
};

inline std::string temp_dir(const std::string& name) {
  // Per process: ctest runs the cases of one executable in parallel processes, and a case that
  // remakes a directory another process is reading fails the other at random.
  auto dir = std::filesystem::temp_directory_path() /
             ("roberta_data_test_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

// lengths of sentences drawn uniformly in [min_len, max_len]; documents have
// [min_sent, max_sent] sentences. A fixed std::mt19937 seed keeps the corpus fixed.
inline SyntheticCorpus make_corpus(const std::string& name, int documents, int min_sent, int max_sent,
                                   int min_len, int max_len, int64_t vocab_size = 1000,
                                   uint64_t max_shard_tokens = 4096, unsigned seed = 7,
                                   uint64_t block_bytes = kShardBlockBytes) {
  SyntheticCorpus corpus;
  corpus.dir = temp_dir(name);
  corpus.special.vocab_size = vocab_size;
  corpus.special.mask_id = static_cast<int32_t>(vocab_size - 1);
  std::mt19937 gen(seed);
  auto uniform = [&](int lo, int hi) { return lo + static_cast<int>(gen() % static_cast<unsigned>(hi - lo + 1)); };
  DatasetWriter writer(corpus.dir, corpus.special, max_shard_tokens, block_bytes);
  for (int d = 0; d < documents; ++d) {
    writer.begin_document();
    auto& doc = corpus.documents.emplace_back();
    const int sentences = uniform(min_sent, max_sent);
    for (int s = 0; s < sentences; ++s) {
      auto& sentence = doc.emplace_back();
      const int length = uniform(min_len, max_len);
      for (int t = 0; t < length; ++t) sentence.push_back(uniform(4, static_cast<int>(vocab_size) - 2));
      writer.add_sentence(sentence);
    }
  }
  writer.finish();
  return corpus;
}

}  // namespace roberta::data::testing
