// `roberta config CFG... [--set key=value ...]`: prints the fully resolved config as YAML
// (what a run with the same arguments would use). `--keys` lists every key, `--markdown`
// prints docs/config.md. `--get KEY` prints one resolved value and `--json` all of them as one
// flat JSON object {"model.layers": "12", ...} (for scripts: no YAML parsing by hand).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

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
  bool json = false;
  std::vector<std::string> get;

  // A value as --get prints it: the YAML text, a quoted string without its quotes.
  static std::string bare(std::string text) {
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"') text = text.substr(1, text.size() - 2);
    return text;
  }

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
    const auto values = config_values(config);
    if (json) {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& [key, text] : values) out[key] = bare(text);
      fmt::print("{}\n", out.dump(1));
      return 0;
    }
    if (get.empty()) {
      fmt::print("{}", to_yaml(config));
      return 0;
    }
    for (const std::string& key : get) {
      auto it = std::find_if(values.begin(), values.end(),
                             [&](const auto& kv) { return kv.first == key; });
      if (it == values.end()) {
        const std::string hint = config_detail::suggest_key(key);
        fail("roberta config --get: unknown key '{}'{}", key,
             hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint));
      }
      fmt::print("{}\n", bare(it->second));  // shell-friendly: no quotes
    }
    return 0;
  }
};

const RegisterCommand registered_config(
    "config", "print the fully resolved config (defaults < preset < files < --set)",
    [](CLI::App& sub) -> CommandRun {
      auto command = std::make_shared<ConfigCommand>();
      add_config_args(sub, command->args, /*required=*/false);
      sub.add_flag("--keys", command->keys, "list every config key with its default and help");
      sub.add_option("--get", command->get,
                     "print only the resolved value of KEY (repeatable), one per line")
          ->type_name("KEY");
      sub.add_flag("--markdown", command->markdown, "print the config reference (docs/config.md)");
      sub.add_flag("--json", command->json, "print every resolved value as one flat JSON object");
      return [command] { return command->run(); };
    },
    1);

}  // namespace
}  // namespace roberta::cli
