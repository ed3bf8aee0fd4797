// `roberta config CFG... [--set key=value ...]`: prints the fully resolved config as YAML
// (what a run with the same arguments would use). `--keys` lists every key, `--markdown`
// prints docs/config.md.
#include <fmt/format.h>

#include "roberta/cli/command.h"
#include "roberta/config/config.h"
#include "util/error.h"

namespace roberta::cli {
namespace {

struct ConfigCommand {
  ConfigArgs args;
  bool keys = false;
  bool markdown = false;

  int run() const {
    if (markdown) {
      fmt::print("{}", config_reference_markdown());
      return 0;
    }
    if (keys) {
      for (const auto& k : config_keys()) {
        fmt::print("{:<32} {:<12} {}  [{}]\n", k.key, k.default_value, k.help, k.expected);
      }
      return 0;
    }
    if (args.files.empty()) {
      fail("roberta config: expected a config file (or --keys / --markdown), found none");
    }
    fmt::print("{}", to_yaml(load_config(args.files, args.overrides)));
    return 0;
  }
};

const RegisterCommand reg(
    "config", "print the fully resolved config (defaults < preset < files < --set)",
    [](CLI::App& sub) -> CommandRun {
      auto command = std::make_shared<ConfigCommand>();
      add_config_args(sub, command->args, /*required=*/false);
      sub.add_flag("--keys", command->keys, "list every config key with its default and help");
      sub.add_flag("--markdown", command->markdown, "print the config reference (docs/config.md)");
      return [command] { return command->run(); };
    },
    1);

}  // namespace
}  // namespace roberta::cli
