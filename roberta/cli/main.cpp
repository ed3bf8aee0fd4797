// The `roberta` executable: one binary, one subcommand per file in this folder.
#include <ATen/Parallel.h>
#include <c10/util/Exception.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "roberta/cli/command.h"
#include "util/error.h"
#include "util/threads.h"

namespace roberta::cli {

std::string self_executable() {
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0) return "/proc/self/exe";
  return std::string(path, static_cast<size_t>(n));
}

std::vector<CommandInfo>& command_registry() {
  static std::vector<CommandInfo> registry;
  return registry;
}

}  // namespace roberta::cli

int main(int argc, char** argv) {
  using namespace roberta::cli;
  // Progress lines reach a log file as they happen: stdout is block-buffered when it is not a
  // terminal, and `roberta finetune > log` showed nothing for minutes.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  CLI::App app{"roberta: pretrain and fine-tune RoBERTa-style encoders (LibTorch)"};
  app.require_subcommand(1);
  int threads = 0;
  app.add_option("--threads", threads,
                 "intra-op threads (default: $ROBERTA_THREADS if set, else all cores)");

  auto& registry = command_registry();
  std::stable_sort(registry.begin(), registry.end(),
                   [](const CommandInfo& a, const CommandInfo& b) { return a.order < b.order; });
  std::vector<std::pair<CLI::App*, CommandRun>> runs;
  for (auto& command : registry) {
    CLI::App* sub = app.add_subcommand(command.name, command.help);
    runs.emplace_back(sub, command.setup(*sub));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  if (threads <= 0) {
    // ROBERTA_THREADS lets a test harness running several processes at once give each one
    // core: OpenMP threads oversubscribing the cores run many times slower, not 2x.
    const char* env = std::getenv("ROBERTA_THREADS");
    threads = env != nullptr && std::atoi(env) > 0 ? std::atoi(env) : roberta::hardware_threads();
  }
  at::set_num_threads(threads);
  try {
    for (auto& [sub, run] : runs) {
      if (sub->parsed()) return run();
    }
    return 2;
  } catch (const roberta::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  } catch (const c10::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what_without_backtrace());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
