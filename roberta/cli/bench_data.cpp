// `roberta bench data`: the data path's speed and memory.
//   (default)        preprocess a text file to a temporary dataset (MB/s), then loader tokens/s
//                    with dynamic masking for each input format at 1 worker and at --workers;
//   --keep DIR       preprocess --text into DIR and keep it: MB/s, disk bytes per token and
//                    the process's peak RSS (scripts/bench/data_scale.sh runs this per size);
//   --dataset DIR    an existing dataset, in a process of its own: time to the first batch
//                    (open, sample plan, first batch), loader tokens/s, a resume in the middle
//                    of the epoch, the blocks of the shards one rank reads in (a fraction of)
//                    its epoch (--world-size, --rank, --read-epoch), and the peak RSS.
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include "data/dataset.h"
#include "data/formats/sample_plan.h"
#include "data/loader.h"
#include "data/preprocess.h"
#include "roberta/cli/bench.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"
#include "util/threads.h"

namespace roberta::cli {
namespace {

namespace fs = std::filesystem;

struct BenchDataArgs {
  std::string text = "tests/fixtures/data/brown_sample.txt";
  std::string tokenizer_dir = "tests/fixtures/tokenizer/roberta";
  int64_t seq_len = 512;
  int64_t micro = 16;
  int64_t workers = 0;     // 0: all cores
  double seconds = 2.0;    // per format and worker count
  int64_t threads = 0;     // preprocessing threads, 0: all cores
  std::string keep;        // preprocess into this directory and stop
  std::string dataset;     // measure the loader on this dataset
  std::string format = "full_sentences";  // with --dataset
  int64_t world_size = 1, rank = 0;       // with --dataset
  std::string rank_split = "blocks";      // with --dataset
  double read_epoch = 0;   // with --dataset: fraction of the rank's epoch to read for the block count
  bool verify = false;     // with --dataset: also check every block, then measure the loader again
};

data::InputFormat format_named(const std::string& name) {
  for (auto f : {data::InputFormat::full_sentences, data::InputFormat::doc_sentences,
                 data::InputFormat::segment_pair, data::InputFormat::sentence_pair}) {
    if (name == data::name_of(f)) return f;
  }
  fail("--format: expected one of full_sentences, doc_sentences, segment_pair, sentence_pair; found '{}'", name);
}

// The resident memory the process holds now, from /proc/self/status: anonymous (its own heap:
// the sample plan, orders, batches) and file-backed (mapped shard pages: the page cache, shared
// with every process that maps the same files and dropped under memory pressure), in MB.
std::pair<int64_t, int64_t> rss_anon_file_mb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  int64_t anon = -1, file = -1;
  while (std::getline(status, line)) {
    if (line.rfind("RssAnon:", 0) == 0) anon = std::stoll(line.substr(8)) / 1024;
    if (line.rfind("RssFile:", 0) == 0) file = std::stoll(line.substr(8)) / 1024;
  }
  return {anon, file};
}

uint64_t directory_bytes(const std::string& dir) {
  uint64_t bytes = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file()) bytes += entry.file_size();
  }
  return bytes;
}

data::PreprocessSummary run_preprocess(const BenchDataArgs& args, const std::string& dir) {
  const auto tok = tokenizer::Tokenizer::load(args.tokenizer_dir);
  data::PreprocessOptions pre;
  pre.inputs = {args.text};
  pre.output = dir;
  pre.threads = args.threads;
  pre.progress = false;
  pre.resume = false;  // a whole run, never the rest of an interrupted one
  auto summary = data::preprocess(tok, pre);
  const int threads = args.threads > 0 ? static_cast<int>(args.threads) : hardware_threads();
  fmt::print("preprocess: {:.2f} MB in {:.2f}s = {:.2f} MB/s ({} threads); {} documents, {} sentences, {} tokens\n",
             summary.bytes / 1e6, summary.seconds, summary.bytes / 1e6 / summary.seconds, threads,
             summary.documents, summary.sentences, summary.tokens);
  return summary;
}

data::LoaderOptions loader_options(int64_t micro, int64_t workers, int64_t world_size, int64_t rank,
                                   const std::string& split = "blocks") {
  if (split != "blocks" && split != "strided") fail("--rank-split: expected blocks or strided, found '{}'", split);
  data::LoaderOptions o;
  o.rank_split = split == "blocks" ? data::RankSplit::blocks : data::RankSplit::strided;
  o.micro_batch = micro;
  o.workers = workers;
  o.prefetch = 4 * workers;
  o.world_size = world_size;
  o.rank = rank;
  return o;
}

struct Throughput {
  double tokens_per_s = 0, sequences_per_s = 0, tokens_per_batch = 0, padding = 0;
};

// Consumes batches on this thread for `seconds` (after one warm-up batch).
Throughput measure(data::Loader& loader, double seconds) {
  loader.next();
  int64_t tokens = 0, sequences = 0, padded = 0, batches = 0;
  const auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  while ((elapsed = seconds_since(start)) < seconds) {
    data::Batch b = loader.next();
    tokens += b.num_tokens;
    sequences += b.num_sequences;
    padded += b.input_ids.numel();
    ++batches;
  }
  return {tokens / elapsed, sequences / elapsed, double(tokens) / double(batches),
          100.0 * double(padded - tokens) / double(padded)};
}

int run_keep(const BenchDataArgs& args) {
  const auto summary = run_preprocess(args, args.keep);
  const uint64_t bytes = directory_bytes(args.keep);
  fmt::print("disk: {} bytes = {:.3f} bytes per token\n", bytes, double(bytes) / double(summary.tokens));
  fmt::print("peak_rss_mb: {}\n", peak_rss_mb());
  return 0;
}

int run_dataset(const BenchDataArgs& args) {
  data::FormatOptions format;
  format.format = format_named(args.format);
  format.seq_len = args.seq_len;
  const int64_t workers = args.workers > 0 ? args.workers : hardware_threads();
  fmt::print("dataset {} ({}, seq_len {}, micro {}, {} workers, rank {} of {}, {} split)\n", args.dataset,
             args.format, args.seq_len, args.micro, workers, args.rank, args.world_size, args.rank_split);

  const auto start = std::chrono::steady_clock::now();
  auto dataset = data::Dataset::open(args.dataset);
  const double open_s = seconds_since(start);
  auto loader = std::make_unique<data::Loader>(dataset, format, data::MaskingOptions{},
                                               loader_options(args.micro, workers, args.world_size, args.rank, args.rank_split));
  const double plan_s = seconds_since(start) - open_s;
  loader->next();
  const double first_s = seconds_since(start);
  fmt::print("first_batch_s: {:.3f} (open {:.3f}, sample plan and epoch order {:.3f}, batch {:.3f}); "
             "{} tokens, {} samples\n", first_s, open_s, plan_s, first_s - open_s - plan_s, dataset->num_tokens(),
             loader->plan().samples.size());
  const auto [start_anon, start_file] = rss_anon_file_mb();
  fmt::print("rss_after_start_mb: {} anonymous, {} mapped files\n", start_anon, start_file);
  const auto order_start = std::chrono::steady_clock::now();
  const auto order = loader->epoch_plan(1);
  fmt::print("epoch_order_s: {:.3f} (an epoch's order and batch cuts for this rank: {} samples)\n",
             seconds_since(order_start), order.samples.size());

  const Throughput t = measure(*loader, args.seconds);
  fmt::print("loader_tokens_per_s: {:.0f} ({:.0f} sequences/s, {:.0f} tokens/batch, {:.0f}% padding)\n",
             t.tokens_per_s, t.sequences_per_s, t.tokens_per_batch, t.padding);
  const auto [anon, file] = rss_anon_file_mb();
  fmt::print("rss_loading_mb: {} anonymous, {} mapped files\n", anon, file);
  if (args.verify) {
    // Every block checked up front (what `roberta verify-data` does): the loader afterwards runs
    // at the speed it has once an epoch has touched every block.
    auto fresh = data::Dataset::open(args.dataset);  // nothing of it checked yet
    const auto verify_start = std::chrono::steady_clock::now();
    const uint64_t bytes = fresh->verify(static_cast<int>(workers));
    const double verify_s = seconds_since(verify_start);
    fresh.reset();
    dataset->verify(static_cast<int>(workers));
    fmt::print("verify_s: {:.3f} ({:.2f} GB checked, {:.2f} GB/s on {} threads)\n", verify_s, bytes / 1e9,
               bytes / 1e9 / verify_s, workers);
    const Throughput checked = measure(*loader, args.seconds);
    fmt::print("loader_checked_tokens_per_s: {:.0f} ({:.0f} sequences/s, every block already checked)\n",
               checked.tokens_per_s, checked.sequences_per_s);
  }

  // A resume in the middle of the epoch: the loader restored to batch N, then its first batch.
  const int64_t middle = loader->epoch_plan(0).num_batches() / 2;
  loader.reset();
  const auto resume_start = std::chrono::steady_clock::now();
  loader = std::make_unique<data::Loader>(dataset, format, data::MaskingOptions{},
                                          loader_options(args.micro, workers, args.world_size, args.rank, args.rank_split));
  loader->restore({0, middle, 1, args.world_size, args.rank,
                   args.rank_split == "blocks" ? data::RankSplit::blocks : data::RankSplit::strided});
  loader->next();
  fmt::print("resume_s: {:.3f} (a new loader restored to batch {} of epoch 0, then its batch)\n",
             seconds_since(resume_start), middle);
  loader.reset();

  if (args.read_epoch > 0) {
    // A fresh open, so the count is of this reading alone; samples materialized on this thread.
    auto fresh = data::Dataset::open(args.dataset);
    data::LoaderOptions o = loader_options(args.micro, 1, args.world_size, args.rank, args.rank_split);
    o.prefetch = 1;
    data::Loader reader(fresh, format, data::MaskingOptions{}, o);
    const auto plan = reader.epoch_plan(0);
    const auto count = static_cast<size_t>(args.read_epoch * double(plan.samples.size()));
    const auto read_start = std::chrono::steady_clock::now();
    std::vector<int32_t> tokens;
    uint64_t read_tokens = 0;
    for (size_t i = 0; i < count && i < plan.samples.size(); ++i) {
      data::materialize(*fresh, reader.plan(), plan.samples[i], tokens);
      read_tokens += tokens.size();
    }
    const auto blocks = fresh->blocks_read();
    fmt::print("blocks_read: {} of {} = {:.1f}% after {:.0f}% of rank {}'s epoch ({} samples, {:.0f} tokens/s "
               "materialized on one thread)\n", blocks.read, blocks.total,
               100.0 * double(blocks.read) / double(blocks.total), 100 * args.read_epoch, args.rank, count,
               double(read_tokens) / seconds_since(read_start));
  }
  fmt::print("peak_rss_mb: {}\n", peak_rss_mb());
  return 0;
}

int run_bench_data(const BenchDataArgs& args) {
  if (!args.keep.empty()) return run_keep(args);
  if (!args.dataset.empty()) return run_dataset(args);
  const std::string dir = (fs::temp_directory_path() / fmt::format("roberta_bench_data_{}", ::getpid())).string();
  run_preprocess(args, dir);
  auto dataset = data::Dataset::open(dir);
  const int64_t all = args.workers > 0 ? args.workers : hardware_threads();
  fmt::print("loader (seq_len {}, micro {}, dynamic masking, {:.1f}s each):\n", args.seq_len, args.micro, args.seconds);
  for (auto format : {data::InputFormat::full_sentences, data::InputFormat::doc_sentences,
                      data::InputFormat::segment_pair, data::InputFormat::sentence_pair}) {
    for (int64_t workers : {int64_t{1}, all}) {
      if (workers == all && all == 1) continue;
      data::FormatOptions f;
      f.format = format;
      f.seq_len = args.seq_len;
      data::Loader loader(dataset, f, data::MaskingOptions{}, loader_options(args.micro, workers, 1, 0));
      const Throughput t = measure(loader, args.seconds);
      fmt::print("  {:<15} workers {:>2}: {:>12.0f} tokens/s {:>9.0f} sequences/s  ({:.0f} tokens/batch, {:.0f}% padding)\n",
                 data::name_of(format), workers, t.tokens_per_s, t.sequences_per_s, t.tokens_per_batch, t.padding);
    }
  }
  fs::remove_all(dir);
  return 0;
}

CommandRun setup_bench_data(CLI::App& sub) {
  auto args = std::make_shared<BenchDataArgs>();
  sub.add_option("--text", args->text, "corpus text to preprocess (e.g. corpus/train.txt)")->capture_default_str();
  sub.add_option("--tokenizer", args->tokenizer_dir, "vocab.json + merges.txt directory")->capture_default_str();
  sub.add_option("--seq-len", args->seq_len, "tokens per sequence")->capture_default_str();
  sub.add_option("--micro", args->micro, "sequences per micro-batch")->capture_default_str();
  sub.add_option("--workers", args->workers, "loader workers for the parallel run (default: all cores)");
  sub.add_option("--seconds", args->seconds, "seconds per measurement")->capture_default_str();
  sub.add_option("--threads", args->threads, "preprocessing threads (default: all cores)");
  sub.add_option("--keep", args->keep, "preprocess --text into this directory, keep it, report disk and peak RSS");
  sub.add_option("--dataset", args->dataset, "measure start-up, loader, resume and reading on this dataset");
  sub.add_option("--format", args->format, "input format with --dataset")->capture_default_str();
  sub.add_option("--world-size", args->world_size, "ranks, with --dataset")->capture_default_str();
  sub.add_option("--rank", args->rank, "this rank, with --dataset")->capture_default_str();
  sub.add_option("--rank-split", args->rank_split, "blocks or strided (data.rank_split), with --dataset")
      ->capture_default_str();
  sub.add_flag("--verify", args->verify, "with --dataset: check every block, then measure the loader again");
  sub.add_option("--read-epoch", args->read_epoch,
                 "with --dataset: read this fraction of the rank's epoch and count the token blocks read")
      ->check(CLI::Range(0.0, 1.0));
  return [args]() { return run_bench_data(*args); };
}

const RegisterBench registered_bench_data("data", "preprocessing MB/s and loader tokens/s per input format", setup_bench_data, 20);

}  // namespace
}  // namespace roberta::cli
