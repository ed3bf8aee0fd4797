// `roberta preprocess`: corpus text -> binary token shards, once per corpus. Either from a
// config (data.train -> <shard_dir>/train, data.valid -> <shard_dir>/valid, tokenizer.dir,
// data.preprocess_workers; then the sample plan of data.format / data.seq_len is cached too) or
// from flags (--input ... --output DIR --tokenizer DIR).
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/formats/plan_cache.h"
#include "data/formats/sample_plan.h"
#include "data/preprocess.h"
#include "roberta/cli/command.h"
#include "roberta/config/config.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"

namespace roberta::cli {
namespace {

namespace fs = std::filesystem;

struct PreprocessArgs {
  ConfigArgs config;
  std::vector<std::string> inputs;
  std::string output;
  std::string tokenizer_dir;
  int64_t threads = 0;
  double shard_mtokens = 64;
  uint64_t block_bytes = data::kShardBlockBytes;
  bool line_is_sentence = false;
  bool quiet = false;
  bool force = false;
};

// With a config the format and seq_len are known: the single-segment formats' sample plan is
// built and cached now (data/formats/plan_cache.h), so the first training start maps it too.
void prepare_plan(const std::string& dir, const data::FormatOptions& format, uint64_t seed) {
  if (format.format != data::InputFormat::full_sentences && format.format != data::InputFormat::doc_sentences) return;
  const auto start = std::chrono::steady_clock::now();
  const auto dataset = data::Dataset::open(dir);
  const data::SamplePlan plan = data::make_plan(*dataset, format, seed);
  fmt::print("{}: sample plan: {} sequences of at most {} tokens in {} ({:.1f}s)\n", dir, plan.samples.size(),
             format.seq_len, data::plan_cache_path(*dataset, format),
             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

void run_one(const tokenizer::Tokenizer& tok, data::PreprocessOptions options, bool force) {
  if (!force && data::is_preprocessed(tok, options)) {
    fmt::print("{}: up to date (same inputs and vocabulary), skipped; --force redoes it\n", options.output);
    return;
  }
  auto s = data::preprocess(tok, options);
  fmt::print("{}: {} documents, {} sentences, {} tokens from {:.1f} MB in {:.1f}s ({:.2f} MB/s){}\n",
             options.output, s.documents, s.sentences, s.tokens, s.bytes / 1e6, s.seconds,
             s.seconds > 0 ? s.bytes / 1e6 / s.seconds : 0.0,
             s.resumed_shards > 0 ? fmt::format("; resumed: {} shards ({:.1f} MB of input) kept from an interrupted run",
                                                s.resumed_shards, s.resumed_bytes / 1e6)
                                  : "");
}

int run_preprocess(const PreprocessArgs& args) {
  data::PreprocessOptions base;
  base.threads = args.threads;
  base.shard_tokens = static_cast<uint64_t>(args.shard_mtokens * (1 << 20));
  if (args.block_bytes == 0 || args.block_bytes % 8 != 0) {
    fail("preprocess --block-bytes: expected a positive multiple of 8, found {}", args.block_bytes);
  }
  base.block_bytes = args.block_bytes;
  base.line_is_sentence = args.line_is_sentence;
  base.progress = !args.quiet;
  std::string tokenizer_dir = args.tokenizer_dir;
  std::vector<data::PreprocessOptions> jobs;
  std::optional<Config> config;
  if (!args.config.files.empty()) {
    config = load_config(args.config.files, args.config.overrides);
    if (tokenizer_dir.empty()) tokenizer_dir = config->tokenizer.dir;
    if (base.threads == 0) base.threads = config->data.preprocess_workers;
    const std::string shard_dir = !args.output.empty() ? args.output
                                  : !config->data.shard_dir.empty()
                                      ? config->data.shard_dir
                                      : (fs::path(config->train.out_dir) / "shards").string();
    if (config->data.train.empty()) fail("data.train: expected a corpus file, found nothing");
    data::PreprocessOptions train = base;
    train.inputs = {config->data.train};
    train.output = (fs::path(shard_dir) / "train").string();
    jobs.push_back(train);
    if (!config->data.valid.empty()) {
      data::PreprocessOptions valid = base;
      valid.inputs = {config->data.valid};
      valid.output = (fs::path(shard_dir) / "valid").string();
      jobs.push_back(valid);
    }
  } else {
    if (args.inputs.empty() || args.output.empty()) {
      fail("preprocess: expected a config, or --input FILE... and --output DIR");
    }
    data::PreprocessOptions job = base;
    job.inputs = args.inputs;
    job.output = args.output;
    jobs.push_back(job);
  }
  if (tokenizer_dir.empty()) fail("tokenizer.dir: expected a directory with vocab.json + merges.txt (or --tokenizer)");
  const auto tok = tokenizer::Tokenizer::load(tokenizer_dir);
  for (const auto& job : jobs) {
    run_one(tok, job, args.force);
    if (config) prepare_plan(job.output, config->data.format_options(), config->train.seed);
  }
  return 0;
}

CommandRun setup_preprocess(CLI::App& sub) {
  auto args = std::make_shared<PreprocessArgs>();
  add_config_args(sub, args->config, /*required=*/false);
  sub.add_option("--input", args->inputs, "corpus files: plain text (blank line between documents) or .jsonl ({\"text\": ...})");
  sub.add_option("--output", args->output, "dataset directory (with a config: the shard_dir holding train/ and valid/)");
  sub.add_option("--tokenizer", args->tokenizer_dir, "vocab.json + merges.txt directory (default: tokenizer.dir)");
  sub.add_option("--threads", args->threads, "tokenizing threads (default: data.preprocess_workers, 0 = all cores)");
  sub.add_option("--shard-mtokens", args->shard_mtokens, "million tokens per shard file")->capture_default_str();
  sub.add_option("--block-bytes", args->block_bytes,
                 "token bytes per checked block: the unit of lazy CRC checks and of each rank's part (docs/data.md)")
      ->capture_default_str();
  sub.add_flag("--line-is-sentence", args->line_is_sentence, "each line is one sentence (no segmentation)");
  sub.add_flag("--quiet", args->quiet, "no progress bar");
  sub.add_flag("--force", args->force, "redo even when the output is up to date");
  return [args]() { return run_preprocess(*args); };
}

const RegisterCommand registered_preprocess("preprocess", "tokenize a corpus into binary shards (documents, sentences)",
                          setup_preprocess, 20);

}  // namespace
}  // namespace roberta::cli
