// `roberta bench data`: preprocessing MB/s on a text file, then loader throughput (tokens/s
// and sequences/s with dynamic masking and collation, consumed on the calling thread) for
// each input format, at 1 worker and at --workers.
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include <unistd.h>

#include "data/dataset.h"
#include "data/loader.h"
#include "data/preprocess.h"
#include "roberta/cli/bench.h"
#include "tokenizer/tokenizer.h"
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
};

const char* format_name(data::InputFormat f) {
  switch (f) {
    case data::InputFormat::full_sentences: return "full_sentences";
    case data::InputFormat::doc_sentences: return "doc_sentences";
    case data::InputFormat::segment_pair: return "segment_pair";
    case data::InputFormat::sentence_pair: return "sentence_pair";
  }
  return "?";
}

int run_bench_data(const BenchDataArgs& args) {
  const auto tok = tokenizer::Tokenizer::load(args.tokenizer_dir);
  const std::string dir = (fs::temp_directory_path() / fmt::format("roberta_bench_data_{}", ::getpid())).string();
  data::PreprocessOptions pre;
  pre.inputs = {args.text};
  pre.output = dir;
  pre.threads = args.threads;
  pre.progress = false;
  auto summary = data::preprocess(tok, pre);
  const int threads = args.threads > 0 ? static_cast<int>(args.threads) : hardware_threads();
  fmt::print("preprocess: {:.2f} MB in {:.2f}s = {:.2f} MB/s ({} threads); {} documents, {} sentences, {} tokens\n",
             summary.bytes / 1e6, summary.seconds, summary.bytes / 1e6 / summary.seconds, threads,
             summary.documents, summary.sentences, summary.tokens);

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
      data::LoaderOptions o;
      o.micro_batch = args.micro;
      o.workers = workers;
      o.prefetch = 4 * workers;
      data::Loader loader(dataset, f, data::MaskingOptions{}, o);
      loader.next();  // warm-up: the first batch includes thread start
      int64_t tokens = 0, sequences = 0, padded = 0, batches = 0;
      const auto start = std::chrono::steady_clock::now();
      double elapsed = 0;
      while ((elapsed = seconds_since(start)) < args.seconds) {
        data::Batch b = loader.next();
        tokens += b.num_tokens;
        sequences += b.num_sequences;
        padded += b.input_ids.numel();
        ++batches;
      }
      fmt::print("  {:<15} workers {:>2}: {:>12.0f} tokens/s {:>9.0f} sequences/s  ({:.0f} tokens/batch, {:.0f}% padding)\n",
                 format_name(format), workers, tokens / elapsed, sequences / elapsed,
                 double(tokens) / double(batches), 100.0 * double(padded - tokens) / double(padded));
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
  return [args]() { return run_bench_data(*args); };
}

const RegisterBench registered_bench_data("data", "preprocessing MB/s and loader tokens/s per input format", setup_bench_data, 20);

}  // namespace
}  // namespace roberta::cli
