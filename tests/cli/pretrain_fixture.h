// Shared by the `roberta pretrain` end-to-end tests: the built binary, a tiny preprocessed
// dataset (the Brown sample through the RoBERTa fixture tokenizer, made once per test process),
// a small config (2 layers, hidden 32, seq 32, dropout off) and an independent safetensors
// reader, so the tests compare what the binary wrote, not what our own reader says.
#pragma once

#include "tests/catch.h"

#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

namespace pretrain_test {

namespace fs = std::filesystem;

inline std::string binary() {
  const char* env = std::getenv("ROBERTA_BINARY");
  return env ? env : ROBERTA_BINARY;
}

// Runs a shell command (stderr folded into stdout); returns the exit code, output in `out`.
inline int run(const std::string& command, std::string& out) {
  out.clear();
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A fresh directory under the system temp dir, unique per process.
inline fs::path scratch(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("roberta_pretrain_test_" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// <shard_dir>/train from tests/fixtures/data/brown_sample.txt (~55K tokens), built once.
inline const std::string& shard_dir() {
  static const std::string dir = [] {
    const fs::path d = scratch("shards");
    std::string out;
    const std::string cmd = binary() + " --threads 1 preprocess --quiet --threads 1 --input " +
                            std::string(ROBERTA_FIXTURES) + "/data/brown_sample.txt --output " +
                            (d / "train").string() + " --tokenizer " + std::string(ROBERTA_FIXTURES) +
                            "/tokenizer/roberta";
    if (run(cmd, out) != 0) FAIL("preprocess failed: " << cmd << "\n" << out);
    return d.string();
  }();
  return dir;
}

// A config for the tiny test model writing to out_dir; `extra` is appended YAML.
// schedule.total_steps is pinned so that runs with different train.max_steps share one LR curve.
inline std::string write_config(const fs::path& dir, const std::string& out_dir, const std::string& extra = "") {
  const fs::path path = dir / "config.yaml";
  std::ofstream(path) << "model:\n  layers: 2\n  hidden: 32\n  heads: 2\n  ffn: 64\n"
                         "  vocab_size: 50265\n  dropout: 0.0\n  attention_dropout: 0.0\n"
                         "data:\n  shard_dir: " << shard_dir() << "\n  format: full_sentences\n"
                         "  seq_len: 32\n  workers: 1\n"
                         "optim:\n  lr: 1.0e-3\n"
                         "schedule:\n  kind: polynomial\n  warmup_steps: 2\n  total_steps: 1000\n"
                         "batch:\n  sequences: 4\n  micro: 2\n"
                         "train:\n  out_dir: " << out_dir << "\n  seed: 7\n  log_every: 1\n"
                         "  eval_every: 0\n  save_every: 0\n  keep_last: 0\n  device: cpu\n"
                         "  tensorboard: false\n"
                      << extra;
  return path.string();
}

inline std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The F32 tensors of a safetensors file (8-byte little-endian header length, JSON header,
// data), read here without the project's own reader.
inline std::map<std::string, std::vector<float>> read_safetensors(const fs::path& path) {
  const std::string bytes = read_bytes(path);
  REQUIRE(bytes.size() >= 8);
  uint64_t header_len = 0;
  std::memcpy(&header_len, bytes.data(), 8);
  REQUIRE(8 + header_len <= bytes.size());
  const auto header = nlohmann::json::parse(bytes.substr(8, header_len));
  std::map<std::string, std::vector<float>> tensors;
  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__") continue;
    REQUIRE(info.at("dtype") == "F32");
    const auto begin = info.at("data_offsets")[0].get<uint64_t>();
    const auto end = info.at("data_offsets")[1].get<uint64_t>();
    std::vector<float> values((end - begin) / 4);
    std::memcpy(values.data(), bytes.data() + 8 + header_len + begin, end - begin);
    tensors[name] = std::move(values);
  }
  return tensors;
}

}  // namespace pretrain_test
