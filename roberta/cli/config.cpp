// `roberta config CFG... [--set key=value ...]`: prints the fully resolved config as YAML
// (what a run with the same arguments would use). `--keys` lists every key, `--markdown`
// prints docs/config.md. `--get KEY` prints one resolved value (for scripts).
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "roberta/cli/command.h"
#include "roberta/config/config.h"
#include "roberta/config/registry.h"
#include "util/error.h"

namespace roberta::cli {
namespace {

struct ConfigCommand {
  ConfigArgs args;
  bool keys = false;
  bool markdown = false;
  std::vector<std::string> get;

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
    const Config config = load_config(args.files, args.overrides);
    if (get.empty()) {
      fmt::print("{}", to_yaml(config));
      return 0;
    }
    const auto values = config_values(config);
    for (const std::string& key : get) {
      auto it = std::find_if(values.begin(), values.end(),
                             [&](const auto& kv) { return kv.first == key; });
      if (it == values.end()) {
        const std::string hint = config_detail::suggest_key(key);
        fail("roberta config --get: unknown key '{}'{}", key,
             hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint));
      }
      std::string text = it->second;
      // A plain YAML scalar prints bare; quoted strings lose their quotes (shell-friendly).
      if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
        text = text.substr(1, text.size() - 2);
      }
      fmt::print("{}\n", text);
    }
    return 0;
  }
};

const RegisterCommand reg(
    "config", "print the fully resolved config (defaults < preset < files < --set)",
    [](CLI::App& sub) -> CommandRun {
      auto command = std::make_shared<ConfigCommand>();
      add_config_args(sub, command->args, /*required=*/false);
      sub.add_flag("--keys", command->keys, "list every config key with its default and help");
      sub.add_option("--get", command->get,
                     "print only the resolved value of KEY (repeatable), one per line")
          ->type_name("KEY");
      sub.add_flag("--markdown", command->markdown, "print the config reference (docs/config.md)");
      return [command] { return command->run(); };
    },
    1);

}  // namespace
}  // namespace roberta::cli
