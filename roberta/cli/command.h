// Subcommands register themselves here, one file per subcommand in roberta/cli/. Each
// registration adds its options to a CLI11 subcommand and returns the function that runs it.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace roberta::cli {

// Returned by a command's setup: runs the command after parsing, returns the exit code.
using CommandRun = std::function<int()>;
using CommandSetup = std::function<CommandRun(CLI::App& sub)>;

struct CommandInfo {
  std::string name;
  std::string help;
  CommandSetup setup;
  int order;  // position in --help
};

std::vector<CommandInfo>& command_registry();

// The path of this `roberta` binary (to run it again: ranks, a timed subcommand).
std::string self_executable();

struct RegisterCommand {
  RegisterCommand(std::string name, std::string help, CommandSetup setup, int order = 100) {
    command_registry().push_back({std::move(name), std::move(help), std::move(setup), order});
  }
};

// The arguments every config-taking subcommand accepts: one or more YAML files (later ones
// override earlier ones) and `--set key.path=value` overrides (applied last, in order).
struct ConfigArgs {
  std::vector<std::string> files;
  std::vector<std::string> overrides;
};

inline void add_config_args(CLI::App& sub, ConfigArgs& args, bool required = true) {
  auto* files = sub.add_option("config", args.files, "experiment config YAML file(s)");
  if (required) files->required();
  sub.add_option("--set", args.overrides, "override a config key: --set key.path=value")
      ->allow_extra_args(false)
      ->take_all();
}

}  // namespace roberta::cli
