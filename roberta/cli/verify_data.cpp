// `roberta verify-data DIR...`: checks every byte of preprocessed datasets now (each shard's
// sentence index and token blocks against their CRC-32C), where training checks each part
// only when it first reads it. For a dataset just copied to a cluster, or an old disk.
#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "roberta/cli/bench.h"
#include "roberta/cli/command.h"

namespace roberta::cli {
namespace {

struct VerifyDataArgs {
  std::vector<std::string> dirs;
  int64_t threads = 0;
};

int run_verify_data(const VerifyDataArgs& args) {
  for (const auto& dir : args.dirs) {
    const auto start = std::chrono::steady_clock::now();
    auto dataset = data::Dataset::open(dir);
    const uint64_t bytes = dataset->verify(static_cast<int>(args.threads));
    const double seconds = seconds_since(start);
    const auto blocks = dataset->blocks_read();
    fmt::print("{}: ok: {} shards, {} documents, {} tokens; {} token blocks and the indexes, {:.2f} GB checked "
               "in {:.2f}s ({:.2f} GB/s)\n", dir, dataset->num_shards(), dataset->num_documents(),
               dataset->num_tokens(), blocks.total, bytes / 1e9, seconds, seconds > 0 ? bytes / 1e9 / seconds : 0.0);
  }
  return 0;
}

CommandRun setup_verify_data(CLI::App& sub) {
  auto args = std::make_shared<VerifyDataArgs>();
  sub.add_option("dirs", args->dirs, "dataset directories (holding dataset.json)")->required();
  sub.add_option("--threads", args->threads, "checking threads (default: all cores)");
  return [args]() { return run_verify_data(*args); };
}

const RegisterCommand registered_verify_data("verify-data",
                                             "check every shard block of preprocessed datasets now (CRC-32C)",
                                             setup_verify_data, 22);

}  // namespace
}  // namespace roberta::cli
