// The `roberta` executable: one binary, one subcommand per file in this folder.
#include <ATen/Parallel.h>
#include <c10/util/Exception.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <exception>

#include "roberta/cli/command.h"
#include "util/error.h"
#include "util/threads.h"

namespace roberta::cli {

std::vector<CommandInfo>& command_registry() {
  static std::vector<CommandInfo> registry;
  return registry;
}

}  // namespace roberta::cli

int main(int argc, char** argv) {
  using namespace roberta::cli;
  CLI::App app{"roberta: pretrain and fine-tune RoBERTa-style encoders (LibTorch)"};
  app.require_subcommand(1);
  int threads = 0;
  app.add_option("--threads", threads, "intra-op threads (default: all cores)");

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

  at::set_num_threads(threads > 0 ? threads : roberta::hardware_threads());
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
