// `roberta bench <what>`: benchmarks register here, one file each (bench_tokenizer.cpp, and
// later bench_train.cpp ...), the same way subcommands register in command.h.
#pragma once

#include "roberta/cli/command.h"

namespace roberta::cli {

std::vector<CommandInfo>& bench_registry();

struct RegisterBench {
  RegisterBench(std::string name, std::string help, CommandSetup setup, int order = 100) {
    bench_registry().push_back({std::move(name), std::move(help), std::move(setup), order});
  }
};

}  // namespace roberta::cli
