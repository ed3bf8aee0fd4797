// In-process pretraining for tests that hand pretrain() a communicator of their own (a double,
// a one-rank NCCL group): a synthetic dataset (train + valid shards of random ids) and a
// config for a one-layer model on it. Each test passes its own name, since ctest runs test
// cases of one executable in parallel processes.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "roberta/config/config.h"
#include "data/dataset.h"

namespace roberta::test {

// <tmp>/roberta_pretrain_inprocess_<name>_<pid>/{shards/train, shards/valid}, written once per name.
inline std::string inprocess_root(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("roberta_pretrain_inprocess_" + name + "_" + std::to_string(::getpid())))
      .string();
}

// A dataset of `documents` documents of 2-6 sentences of 3-12 random ids in [4, 63)
// (vocabulary 64: 0-3 specials, 63 = <mask>), fixed by `seed`.
inline void write_inprocess_dataset(const std::string& dir, int documents, unsigned seed) {
  data::SpecialTokens special;
  special.vocab_size = 64;
  special.mask_id = 63;
  std::mt19937 gen(seed);
  auto uniform = [&](int lo, int hi) { return lo + static_cast<int>(gen() % static_cast<unsigned>(hi - lo + 1)); };
  data::DatasetWriter writer(dir, special);
  for (int d = 0; d < documents; ++d) {
    writer.begin_document();
    for (int s = uniform(2, 6); s > 0; --s) {
      std::vector<int32_t> sentence(static_cast<size_t>(uniform(3, 12)));
      for (auto& id : sentence) id = uniform(4, 62);
      writer.add_sentence(sentence);
    }
  }
  writer.finish();
}

// The config of a tiny run (the smallest vocabulary the config accepts, 261 >= the data's 64):
// 1 layer, hidden 16, dropout on, batches of 4 sequences of 16
// tokens in 2 micro-batches, validation every step, out_dir <root>/run. overrides: "key=value".
inline Config inprocess_config(const std::string& name, int64_t max_steps, std::vector<std::string> overrides = {}) {
  const std::string root = inprocess_root(name);
  const std::string shards = root + "/shards";
  if (!std::filesystem::exists(shards + "/valid/" + data::kManifestName)) {
    write_inprocess_dataset(shards + "/train", 24, 7);
    write_inprocess_dataset(shards + "/valid", 6, 11);
  }
  const std::string path = root + "/config.yaml";
  std::ofstream(path) << "tokenizer:\n  vocab_size: 261\n"
                         "model:\n  layers: 1\n  hidden: 16\n  heads: 2\n  ffn: 32\n  vocab_size: 261\n"
                         "  max_positions: 512\n  dropout: 0.1\n  attention_dropout: 0.1\n"
                         "data:\n  shard_dir: " << shards << "\n  format: full_sentences\n  seq_len: 16\n  workers: 1\n"
                         "optim:\n  lr: 1.0e-3\n"
                         "schedule:\n  kind: polynomial\n  warmup_steps: 1\n  total_steps: 100\n"
                         "batch:\n  sequences: 4\n  micro: 2\n"
                         "train:\n  out_dir: " << root << "/run\n  seed: 3\n  log_every: 1\n  eval_every: 1\n"
                         "  eval_batches: 2\n  save_every: 0\n  keep_last: 0\n  device: cpu\n  max_steps: "
                      << max_steps << "\n  tensorboard: false\n";
  return load_config({path}, overrides);
}

}  // namespace roberta::test
