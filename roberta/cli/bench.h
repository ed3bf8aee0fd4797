// `roberta bench <what>`: benchmarks register here, one file each (bench_tokenizer.cpp,
// bench_train.cpp, ...), the same way subcommands register in command.h.
#pragma once

#include <chrono>

#include "roberta/cli/command.h"

namespace roberta::cli {

std::vector<CommandInfo>& bench_registry();

// Wall-clock seconds since `start`.
inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct RegisterBench {
  RegisterBench(std::string name, std::string help, CommandSetup setup, int order = 100) {
    bench_registry().push_back({std::move(name), std::move(help), std::move(setup), order});
  }
};

}  // namespace roberta::cli
