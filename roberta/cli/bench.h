// `roberta bench <what>`: benchmarks register here, one file each (bench_tokenizer.cpp,
// bench_train.cpp, ...), the same way subcommands register in command.h.
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <cstdint>

#include "roberta/cli/command.h"

namespace roberta::cli {

std::vector<CommandInfo>& bench_registry();

// Wall-clock seconds since `start`.
inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The process's peak resident set so far, in MB.
inline int64_t peak_rss_mb() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;  // Linux reports KiB
}

struct RegisterBench {
  RegisterBench(std::string name, std::string help, CommandSetup setup, int order = 100) {
    bench_registry().push_back({std::move(name), std::move(help), std::move(setup), order});
  }
};

}  // namespace roberta::cli
