// The `bench` parent command: one CLI11 subcommand per registered benchmark.
#include "roberta/cli/bench.h"

#include <algorithm>
#include <memory>

namespace roberta::cli {

std::vector<CommandInfo>& bench_registry() {
  static std::vector<CommandInfo> registry;
  return registry;
}

namespace {

CommandRun setup_bench(CLI::App& sub) {
  sub.require_subcommand(1);
  auto& registry = bench_registry();
  std::stable_sort(registry.begin(), registry.end(),
                   [](const CommandInfo& a, const CommandInfo& b) { return a.order < b.order; });
  auto runs = std::make_shared<std::vector<std::pair<CLI::App*, CommandRun>>>();
  for (auto& bench : registry) {
    CLI::App* child = sub.add_subcommand(bench.name, bench.help);
    runs->emplace_back(child, bench.setup(*child));
  }
  return [runs]() -> int {
    for (auto& [child, run] : *runs)
      if (child->parsed()) return run();
    return 2;
  };
}

const RegisterCommand registered_bench("bench", "benchmarks (tokenizer, ...)", setup_bench, 90);

}  // namespace
}  // namespace roberta::cli
