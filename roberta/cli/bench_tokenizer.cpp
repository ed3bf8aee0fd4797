// `roberta bench tokenizer`: encode MB/s at 1 thread and at all threads, training time, and
// the same measurements from Hugging Face tokenizers (node, scripts/reference) on the same
// bytes in the same invocation, plus two parity checks: a hash of all ids (ours vs HF's)
// and the trained merges (ours vs HF's, first difference reported).
#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include <nlohmann/json.hpp>

#include "roberta/cli/bench.h"
#include "tokenizer/batch_encode.h"
#include "tokenizer/bpe_trainer.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"
#include "util/threads.h"

namespace roberta::cli {
namespace {

namespace fs = std::filesystem;

struct BenchTokenizerArgs {
  std::string tokenizer_dir = "tests/fixtures/tokenizer/gpt2";
  std::vector<std::string> texts;  // FILE, or KIND=FILE (several: one row per kind)
  double mb = 20;           // encode this much text
  double train_mb = 6;      // train on this much
  int32_t train_vocab = 8000;
  int threads = 0;          // "all threads" (default: all cores)
  std::string reference = "scripts/reference";  // node scripts; empty: skip the reference
};

// CPU seconds of this process (all threads): on a shared machine, MB per CPU-second is the
// per-thread speed that wall-clock MB/s hides.
double process_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + ts.tv_nsec * 1e-9;
}

// The first `bytes` of text, cut after a line end.
std::string_view head_lines(std::string_view text, size_t bytes) {
  if (bytes >= text.size()) return text;
  size_t nl = text.find('\n', bytes);
  return text.substr(0, nl == std::string_view::npos ? text.size() : nl + 1);
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

// FNV-1a over (id + 1) per id and 0 per line end; scripts/reference/bench.js computes the same.
uint32_t ids_hash(const std::vector<std::vector<int32_t>>& ids) {
  uint32_t h = 2166136261u;
  auto mix = [&](uint32_t v) { h = (h ^ v) * 16777619u; };
  for (const auto& line : ids) {
    for (int32_t id : line) mix(uint32_t(id) + 1);
    mix(0);
  }
  return h;
}

struct EncodeResult {
  double mb_per_s;
  double mb_per_cpu_s;
  uint32_t hash;
  uint64_t tokens;
};

EncodeResult bench_encode(const std::string& dir, const std::vector<std::string_view>& lines, size_t bytes, int threads) {
  auto t = tokenizer::Tokenizer::load(dir);  // fresh: a cold cache, like a new process
  tokenizer::BatchEncodeOptions options;
  options.threads = threads;
  auto start = std::chrono::steady_clock::now();
  double cpu_start = process_cpu_seconds();
  auto ids = tokenizer::encode_lines(t, lines, options);
  double s = seconds_since(start), cpu = process_cpu_seconds() - cpu_start;
  uint64_t tokens = 0;
  for (auto& l : ids) tokens += l.size();
  return {bytes / 1e6 / s, bytes / 1e6 / cpu, ids_hash(ids), tokens};
}

// Runs a command, returns its stdout's last line parsed as JSON (null on failure).
nlohmann::json run_json(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return nullptr;
  std::string output, last;
  char buf[4096];
  while (fgets(buf, sizeof buf, pipe.get())) output += buf;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty() && line[0] == '{') last = line;
  if (last.empty()) return nullptr;
  try {
    return nlohmann::json::parse(last);
  } catch (...) {
    return nullptr;
  }
}

std::string quote(const std::string& s) { return "'" + s + "'"; }  // paths without quotes

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("{}: cannot open (expected a benchmark text file)", path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

bool reference_available(const std::string& reference) {
  if (reference.empty()) return false;
  if (!fs::exists(fs::path(reference) / "bench.js") || std::system("node --version >/dev/null 2>&1") != 0) {
    fmt::print("reference: skipped (no node or no {}/bench.js; run npm install there)\n", reference);
    return false;
  }
  return true;
}

// Wall seconds of a shell command (its output discarded); negative if it failed.
double time_command(const std::string& command) {
  auto start = std::chrono::steady_clock::now();
  if (std::system((command + " >/dev/null 2>&1").c_str()) != 0) return -1;
  return seconds_since(start);
}

// One row per kind of text (KIND=FILE): ours and HF's encode speed at one thread, per
// CPU-second, the ratio, whether the ids are identical, and `roberta tokenizer encode` as a
// whole process (reading the file, writing ids as text) on the same file.
int run_bench_kinds(const BenchTokenizerArgs& args) {
  const bool reference = reference_available(args.reference);
  const std::string self = self_executable();
  // The constant part of every run of the command: process start (LibTorch's start-up is most
  // of it) and loading the vocabulary, timed on an empty input and taken off the rate below.
  fs::path tmp = fs::temp_directory_path() / fmt::format("roberta-bench-tokenizer-{}", getpid());
  fs::create_directories(tmp);
  std::ofstream((tmp / "empty.txt").string());
  const std::string encode_command = fmt::format("{} tokenizer encode --tokenizer {} --threads 1 ", quote(self),
                                                 quote(args.tokenizer_dir));
  double startup = 1e9;
  for (int i = 0; i < 3; ++i) startup = std::min(startup, time_command(encode_command + quote((tmp / "empty.txt").string())));
  fmt::print("tokenizer bench by kind of text, vocab {}, 1 thread; `roberta tokenizer encode` start-up {:.2f} s "
             "(process + vocabulary, taken off its rate)\n", args.tokenizer_dir, startup);
  struct Row {
    std::string kind;
    double mb, ours, hf, cli;
    bool identical;
  };
  std::vector<Row> rows;
  for (const std::string& spec : args.texts) {
    const size_t eq = spec.find('=');
    Row row{spec.substr(0, eq), 0, 0, 0, 0, false};
    const std::string path = spec.substr(eq + 1);
    const std::string all = read_text(path);
    const std::string_view text = head_lines(all, size_t(args.mb * 1e6));
    if (text.size() < all.size()) std::ofstream((tmp / "text.txt").string(), std::ios::binary) << text;
    const std::string file = text.size() < all.size() ? (tmp / "text.txt").string() : path;
    row.mb = text.size() / 1e6;
    const auto lines = split_lines(text);
    auto ours = bench_encode(args.tokenizer_dir, lines, text.size(), 1);
    row.ours = ours.mb_per_cpu_s;
    const double cli_s = time_command(encode_command + quote(file));
    row.cli = cli_s > startup ? row.mb / (cli_s - startup) : 0;
    if (reference) {
      auto hf = run_json(fmt::format("RAYON_NUM_THREADS=1 node {} {} {}", quote((fs::path(args.reference) / "bench.js").string()),
                                     quote(args.tokenizer_dir), quote(file)));
      if (!hf.is_null()) {
        row.hf = hf["mb_per_cpu_s"].get<double>();
        row.identical = hf["hash"].get<uint32_t>() == ours.hash;
      }
    }
    fmt::print("{:<10} {:6.1f} MB: ours {:6.2f} MB per CPU-second, HF {:5.2f} ({}), ours/HF {:5.1f}x, "
               "`tokenizer encode` {:6.2f} MB/s after start-up\n", row.kind, row.mb, row.ours, row.hf,
               row.hf > 0 ? (row.identical ? "identical ids" : "IDS DIFFER") : "not run",
               row.hf > 0 ? row.ours / row.hf : 0.0, row.cli);
    rows.push_back(row);
  }
  fs::remove_all(tmp);
  fmt::print("\n| text | MB | ours, MB per CPU-second | HF tokenizers, MB per CPU-second | ours / HF | ids | "
             "`roberta tokenizer encode`, MB/s after start-up |\n|---|---|---|---|---|---|---|\n");
  for (const Row& r : rows) {
    fmt::print("| {} | {:.1f} | {:.2f} | {} | {} | {} | {:.2f} |\n", r.kind, r.mb, r.ours,
               r.hf > 0 ? fmt::format("{:.2f}", r.hf) : "-", r.hf > 0 ? fmt::format("{:.1f}x", r.ours / r.hf) : "-",
               r.hf > 0 ? (r.identical ? "identical" : "DIFFER") : "-", r.cli);
  }
  bool differ = false;
  for (const Row& r : rows) differ |= r.hf > 0 && !r.identical;
  return differ ? 1 : 0;
}

int run_bench_tokenizer(const BenchTokenizerArgs& args) {
  if (args.texts.size() > 1 || args.texts[0].find('=') != std::string::npos) return run_bench_kinds(args);
  const std::string text_path = args.texts[0];
  const std::string all = read_text(text_path);
  const std::string_view text = head_lines(all, size_t(args.mb * 1e6));
  const std::string_view train_text = head_lines(all, size_t(args.train_mb * 1e6));
  const auto lines = split_lines(text);
  const int threads = args.threads > 0 ? args.threads : hardware_threads();

  fmt::print("tokenizer bench: {} ({:.1f} MB, {} lines), vocab {}, {} threads\n", text_path,
             text.size() / 1e6, lines.size(), args.tokenizer_dir, threads);
  auto one = bench_encode(args.tokenizer_dir, lines, text.size(), 1);
  auto many = bench_encode(args.tokenizer_dir, lines, text.size(), threads);
  fmt::print("ours  encode  1 thread : {:8.2f} MB/s wall, {:6.2f} MB per CPU-second  ({} tokens, ids hash {:08x})\n",
             one.mb_per_s, one.mb_per_cpu_s, one.tokens, one.hash);
  fmt::print("ours  encode {:2} threads: {:8.2f} MB/s wall, {:6.2f} MB per CPU-second  (ids hash {:08x})\n", threads,
             many.mb_per_s, many.mb_per_cpu_s, many.hash);

  tokenizer::BpeTrainerOptions options;
  options.vocab_size = args.train_vocab;
  options.min_frequency = 0;  // HF's default trainer, so that the merges can be compared
  options.threads = threads;
  auto start = std::chrono::steady_clock::now();
  double cpu_start = process_cpu_seconds();
  tokenizer::BpeTrainer trainer(options);
  trainer.feed_text(train_text);
  auto trained = trainer.train();
  double train_s = seconds_since(start);
  fmt::print("ours  train {} vocab on {:.1f} MB: {:.2f} s wall, {:.2f} CPU-s ({} merges)\n", args.train_vocab,
             train_text.size() / 1e6, train_s, process_cpu_seconds() - cpu_start, trained.files().merges.size());
  // HF's node binding can only train to its default 30000: time ours at that size too.
  options.vocab_size = 30000 + 4 + 1;
  start = std::chrono::steady_clock::now();
  cpu_start = process_cpu_seconds();
  tokenizer::BpeTrainer trainer30k(options);
  trainer30k.feed_text(train_text);
  auto trained30k = trainer30k.train();
  fmt::print("ours  train 30000 vocab (HF node default): {:.2f} s wall, {:.2f} CPU-s ({} merges)\n", seconds_since(start),
             process_cpu_seconds() - cpu_start, trained30k.files().merges.size());

  if (!reference_available(args.reference)) return 0;
  fs::path tmp = fs::temp_directory_path() / fmt::format("roberta-bench-tokenizer-{}", getpid());
  fs::create_directories(tmp);
  std::ofstream((tmp / "text.txt").string(), std::ios::binary) << text;
  std::ofstream((tmp / "train.txt").string(), std::ios::binary) << train_text;
  std::string script = (fs::path(args.reference) / "bench.js").string();
  std::string base = fmt::format("node {} {} {}", quote(script), quote(args.tokenizer_dir), quote((tmp / "text.txt").string()));
  auto hf_one = run_json("RAYON_NUM_THREADS=1 " + base);
  auto hf_many = run_json(fmt::format("RAYON_NUM_THREADS={} ", threads) + base);
  auto show = [&](const char* label, const nlohmann::json& r, const EncodeResult& ours) {
    if (r.is_null()) {
      fmt::print("HF    encode {}: failed\n", label);
      return;
    }
    uint32_t hash = r["hash"].get<uint32_t>();
    fmt::print("HF    encode {}: {:8.2f} MB/s wall, {:6.2f} MB per CPU-second  (ids hash {:08x}: {}); ours/HF per CPU-second {:.1f}x\n",
               label, r["mb_per_s"].get<double>(), r["mb_per_cpu_s"].get<double>(), hash,
               hash == ours.hash ? "identical ids" : "IDS DIFFER", ours.mb_per_cpu_s / r["mb_per_cpu_s"].get<double>());
  };
  show(" 1 thread ", hf_one, one);
  show(fmt::format("{:2} threads", threads).c_str(), hf_many, many);

  std::string train_script = (fs::path(args.reference) / "train_reference.js").string();
  auto hf_train = run_json(fmt::format("node {} {} {}", quote(train_script), quote((tmp / "hf").string()),
                                       quote((tmp / "train.txt").string())));
  if (hf_train.is_null()) {
    fmt::print("HF    train: failed\n");
  } else {
    fmt::print("HF    train 30000 vocab (its default) on {:.1f} MB: {:.2f} s wall, {:.2f} CPU-s ({} merges)\n",
               train_text.size() / 1e6, hf_train["seconds"].get<double>(), hf_train["cpu_seconds"].get<double>(),
               hf_train["merges"].get<int>());
    auto hf_merges = tokenizer::read_merges_txt((tmp / "hf" / "merges.txt").string());
    for (const auto* ours : {&trained, &trained30k}) {
      const auto& m = ours->files().merges;
      size_t n = std::min(m.size(), hf_merges.size()), same = 0;
      while (same < n && m[same].left == hf_merges[same].left && m[same].right == hf_merges[same].right) ++same;
      if (same == n) {
        fmt::print("parity: our {} merges == HF's first {}\n", m.size(), n);
      } else {
        fmt::print("parity: our {} merges vs HF: first difference at merge {}: ours \"{} {}\", HF \"{} {}\"\n", m.size(),
                   same, m[same].left, m[same].right, hf_merges[same].left, hf_merges[same].right);
      }
    }
  }
  fs::remove_all(tmp);
  return 0;
}

CommandRun setup_bench_tokenizer(CLI::App& sub) {
  auto args = std::make_shared<BenchTokenizerArgs>();
  sub.add_option("--text", args->texts,
                 "benchmark text (scripts/bench/tokenizer.sh fetches one); KIND=FILE, given for several kinds, "
                 "prints one row per kind at 1 thread")
      ->required();
  sub.add_option("--tokenizer", args->tokenizer_dir, "vocab.json + merges.txt directory")->capture_default_str();
  sub.add_option("--mb", args->mb, "MB of text to encode")->capture_default_str();
  sub.add_option("--train-mb", args->train_mb, "MB of text to train on")->capture_default_str();
  sub.add_option("--train-vocab", args->train_vocab, "vocab size to train")->capture_default_str();
  sub.add_option("--threads", args->threads, "threads for the parallel run (default: all cores)");
  sub.add_option("--reference", args->reference, "folder of the node reference scripts ('' to skip)")->capture_default_str();
  return [args]() { return run_bench_tokenizer(*args); };
}

const RegisterBench registered_bench_tokenizer("tokenizer", "encode MB/s (1 and all threads) and training time, ours and HF's",
                        setup_bench_tokenizer, 10);

}  // namespace
}  // namespace roberta::cli
