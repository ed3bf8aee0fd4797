// Helpers of the fine-tuning tests: a tiny byte-level BPE trained in code, a tiny random
// RoBERTa config, and synthetic learnable tasks written in the local suite's layout
// (task.json, labels.txt, train/dev files) whose labels follow a rule stated below.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "roberta/config/config.h"
#include "tokenizer/bpe_trainer.h"

namespace roberta::test {

namespace fs = std::filesystem;

inline const std::vector<std::string>& filler_words() {
  static const std::vector<std::string> w = {"tree", "house", "river", "stone", "blue", "green", "quickly",
                                             "table", "window", "mountain", "yellow", "paper", "slowly", "garden"};
  return w;
}
inline const std::vector<std::string>& animal_words() {
  static const std::vector<std::string> w = {"cat", "dog", "horse", "elephant", "sparrow"};
  return w;
}

// Per process: ctest runs the cases of one executable in parallel processes, and a case that
// remakes a directory another process is reading fails the other at random.
inline fs::path temp_path(const std::string& name) {
  return fs::temp_directory_path() / ("roberta_tasks_test_" + name + "_" + std::to_string(::getpid()));
}

// temp_path(name), emptied.
inline fs::path temp_dir(const std::string& name) {
  fs::path d = temp_path(name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// A 400-token BPE over the task words: enough merges that most words are whole tokens (with
// 300 the first sub-tokens of "horse" and "house" coincide and tagging by first piece is ambiguous).
inline std::string tiny_tokenizer_dir() {
  static std::string dir = [] {
    fs::path d = temp_dir("tokenizer");
    tokenizer::BpeTrainerOptions o;
    o.vocab_size = 400;
    o.threads = 1;
    tokenizer::BpeTrainer trainer(o);
    std::string text;
    for (int r = 0; r < 20; ++r) {
      for (const auto& w : filler_words()) text += w + " ";
      for (const auto& w : animal_words()) text += w + " ";
      text += "\n";
    }
    trainer.feed_text(text);
    trainer.train().save(d.string());
    return d.string();
  }();
  return dir;
}

// A 2-layer, 32-wide model over the tiny tokenizer; no dropout so a few hundred updates learn.
inline Config tiny_config(const std::string& data_dir, const std::string& out_dir) {
  Config c;
  c.model.layers = 2;
  c.model.hidden = 32;
  c.model.heads = 2;
  c.model.ffn = 64;
  c.model.vocab_size = 400;
  c.model.max_positions = 64;
  c.model.dropout = 0.0;
  c.model.attention_dropout = 0.0;
  c.data.seq_len = 64;
  c.tokenizer.dir = tiny_tokenizer_dir();
  c.tokenizer.vocab_size = 400;
  c.finetune.task = "synthetic";
  c.finetune.data_dir = data_dir;
  c.finetune.epochs = 4;
  c.finetune.lr = 2e-3;
  c.finetune.batch = 16;
  c.finetune.seq_len = 32;
  c.finetune.weight_decay = 0.01;
  c.finetune.head_dropout = 0.0;
  c.train.out_dir = out_dir;
  c.train.device = DeviceKind::cpu;
  c.train.log_every = 1000000;
  c.train.seed = 7;
  return c;
}

inline void write_task_json(const fs::path& dir, const std::string& type, const std::string& metric,
                            const std::vector<std::string>& labels, const std::string& ext) {
  nlohmann::json j = {{"name", "synthetic"},
                      {"type", type},
                      {"metric", metric},
                      {"num_labels", type == "regression" ? 1 : int(labels.size())},
                      {"files", {{"train", "train." + ext}, {"dev", "dev." + ext}}}};
  if (type != "regression") {
    j["labels"] = "labels.txt";
    std::ofstream out(dir / "labels.txt");
    for (const auto& l : labels) out << l << "\n";
  }
  std::ofstream(dir / "task.json") << j.dump(2) << "\n";
}

// A sentence of 3..6 filler words with `animals` animal words placed at random.
inline std::vector<std::string> sentence(std::mt19937& rng, int animals) {
  std::uniform_int_distribution<int> len(3, 6);
  std::vector<std::string> words;
  const int n = len(rng);
  for (int i = 0; i < n; ++i) words.push_back(filler_words()[rng() % filler_words().size()]);
  for (int a = 0; a < animals; ++a) {
    words.insert(words.begin() + int64_t(rng() % (words.size() + 1)), animal_words()[rng() % animal_words().size()]);
  }
  return words;
}

inline std::string join(const std::vector<std::string>& words) {
  std::string s;
  for (size_t i = 0; i < words.size(); ++i) s += (i ? " " : "") + words[i];
  return s;
}

// Rule by type:
//   classification: "yes" iff the text holds an animal word (half of the examples)
//   pair:           "yes" iff the SECOND text holds an animal word; the first never does
//   regression:     target = number of animal words (0..3)
//   tagging:        tag "A" on animal words, "O" on the others (CoNLL)
inline void write_synthetic_task(const fs::path& dir, const std::string& type, int n_train, int n_dev,
                                 unsigned seed = 11) {
  fs::create_directories(dir);
  std::mt19937 rng(seed);
  const std::string ext = type == "tagging" ? "conll" : "jsonl";
  write_task_json(dir, type, type == "regression" ? "pearson" : "accuracy",
                  type == "tagging" ? std::vector<std::string>{"O", "A"} : std::vector<std::string>{"no", "yes"}, ext);
  for (const char* split : {"train", "dev"}) {
    std::ofstream out(dir / (std::string(split) + "." + ext));
    const int n = std::string(split) == "train" ? n_train : n_dev;
    for (int i = 0; i < n; ++i) {
      if (type == "tagging") {
        auto words = sentence(rng, int(rng() % 3));
        for (const auto& w : words) {
          const bool animal = std::find(animal_words().begin(), animal_words().end(), w) != animal_words().end();
          out << w << "\t" << (animal ? "A" : "O") << "\n";
        }
        out << "\n";
      } else if (type == "regression") {
        const int k = int(rng() % 4);
        out << nlohmann::json{{"text", join(sentence(rng, k))}, {"label", double(k)}}.dump() << "\n";
      } else if (type == "pair") {
        const bool yes = rng() % 2;
        out << nlohmann::json{{"text", join(sentence(rng, 0))}, {"text_pair", join(sentence(rng, yes ? 1 : 0))},
                              {"label", yes ? "yes" : "no"}}
                   .dump()
            << "\n";
      } else {
        const bool yes = rng() % 2;
        out << nlohmann::json{{"text", join(sentence(rng, yes ? 1 : 0))}, {"label", yes ? "yes" : "no"}}.dump() << "\n";
      }
    }
  }
}

}  // namespace roberta::test
