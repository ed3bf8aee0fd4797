// YAML -> Config: reading files and --set overrides in priority order (defaults < preset <
// files < --set), with errors that name the file, line, key, expected and found. The only
// place besides the writer where yaml-cpp is seen.
#include "roberta/config/config.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "roberta/config/registry.h"
#include "util/error.h"

namespace roberta {
namespace fs = std::filesystem;
using config_detail::Field;
using config_detail::Provenance;
using config_detail::RawValue;
using config_detail::ValueError;

namespace {

// Where a YAML node came from, for messages: a file (plus the node's line) or an override.
struct Origin {
  std::string name;     // file path, or the override text "--set k=v"
  bool has_lines;       // false for --set: the override itself is the location

  std::string at(const YAML::Node& node) const {
    if (!has_lines) return name;
    const YAML::Mark mark = node.Mark();
    if (mark.line < 0) return name;
    return fmt::format("{}:{}", name, mark.line + 1);
  }
};

std::string flow_text(const YAML::Node& node) {
  YAML::Emitter out;
  out.SetMapFormat(YAML::Flow);
  out.SetSeqFormat(YAML::Flow);
  out << node;
  return out.c_str();
}

RawValue to_raw(const YAML::Node& node) {
  RawValue raw;
  if (node.IsNull()) {
    raw.kind = RawValue::Kind::null;
    raw.found = "null";
  } else if (node.IsScalar()) {
    raw.kind = RawValue::Kind::scalar;
    raw.text = node.Scalar();
    raw.quoted = node.Tag() == "!";  // yaml-cpp tags quoted scalars "!"
    raw.found = raw.quoted ? fmt::format("\"{}\"", raw.text) : raw.text;
    if (raw.found.empty()) raw.found = "an empty value";
  } else if (node.IsSequence()) {
    raw.kind = RawValue::Kind::sequence;
    raw.found = flow_text(node);
    for (const auto& item : node) {
      if (!item.IsScalar()) {  // nested lists/maps fit no field
        raw.kind = RawValue::Kind::map;
        break;
      }
      raw.items.push_back(item.Scalar());
      raw.items_quoted.push_back(item.Tag() == "!");
    }
  } else {
    raw.kind = RawValue::Kind::map;
    raw.found = flow_text(node);
  }
  return raw;
}

[[noreturn]] void unknown_key(const std::string& location, const std::string& key) {
  std::string hint = config_detail::suggest_key(key);
  fail("{}: unknown key '{}': expected a key listed in docs/config.md (or `roberta config "
       "--keys`), found '{}'{}",
       location, key, key, hint.empty() ? "" : fmt::format("; did you mean '{}'?", hint));
}

bool is_section(const std::string& name) {
  for (const auto& s : config_detail::sections()) {
    if (s == name) return true;
  }
  return false;
}

void apply_map(Config& config, const YAML::Node& map, const std::string& prefix,
               const Origin& origin, Provenance& where);

// One `key: value` entry; `key` is the full dotted path.
void apply_entry(Config& config, const std::string& key, const YAML::Node& value,
                 const std::string& location, const Origin& origin, Provenance& where) {
  if (is_section(key)) {
    if (value.IsNull()) return;  // an empty section
    if (!value.IsMap()) {
      fail("{}: {}: expected a map of {}.* keys, found {}", location, key, key,
           to_raw(value).found);
    }
    apply_map(config, value, key, origin, where);
    return;
  }
  const Field* field = config_detail::find_field(key);
  if (field == nullptr) unknown_key(location, key);
  try {
    field->set(config, to_raw(value));
  } catch (const ValueError& e) {
    fail("{}: {}: expected {}, found {}", location, field->key, e.expected, e.found);
  }
  where[field->key] = location;
}

void apply_map(Config& config, const YAML::Node& map, const std::string& prefix,
               const Origin& origin, Provenance& where) {
  std::set<std::string> seen;
  for (const auto& entry : map) {
    const YAML::Node& key_node = entry.first;
    std::string location = origin.at(key_node);
    if (!key_node.IsScalar()) {
      fail("{}: expected a key name, found {}", location, flow_text(key_node));
    }
    std::string key = prefix.empty() ? key_node.Scalar() : prefix + "." + key_node.Scalar();
    if (!seen.insert(key).second) {
      fail("{}: key '{}' appears twice in the same map: expected it once, found a repeat",
           location, key);
    }
    apply_entry(config, key, entry.second, location, origin, where);
  }
}

void apply_document(Config& config, const YAML::Node& root, const Origin& origin,
                    Provenance& where) {
  if (!root || root.IsNull()) return;  // an empty file changes nothing
  if (!root.IsMap()) {
    fail("{}: expected a map of config sections (model:, data:, ...), found {}", origin.at(root),
         to_raw(root).found);
  }
  apply_map(config, root, "", origin, where);
}

YAML::Node parse_yaml(const std::string& text, const std::string& name) {
  try {
    return YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    fail("{}:{}:{}: malformed YAML: expected valid YAML, found a syntax error ({})", name,
         e.mark.line + 1, e.mark.column + 1, e.msg);
  }
}

YAML::Node read_yaml_file(const fs::path& path, const std::string& what) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    fail("{}: cannot open {}: expected an existing YAML file, found no such file", path.string(),
         what);
  }
  if (fs::is_directory(path, ec)) {
    fail("{}: cannot read {}: expected a YAML file, found a directory", path.string(), what);
  }
  std::ifstream in(path);
  if (!in) fail("{}: cannot open {}: expected a readable file, found it unreadable", path.string(), what);
  std::stringstream text;
  text << in.rdbuf();
  return parse_yaml(text.str(), path.string());
}

struct Override {
  std::string text;  // "--set key=value", the location in messages
  std::string key;
  YAML::Node value;
};

Override parse_override(const std::string& spec) {
  Override o;
  o.text = "--set " + spec;
  auto eq = spec.find('=');
  if (eq == std::string::npos || eq == 0) {
    fail("{}: expected key.path=value, found no '=' after a key", o.text);
  }
  o.key = spec.substr(0, eq);
  std::string value = spec.substr(eq + 1);
  try {
    o.value = YAML::Load(value);
  } catch (const YAML::ParserException& e) {
    fail("{}: {}: expected a YAML value, found a syntax error ({})", o.text, o.key, e.msg);
  }
  if (!o.value) o.value = YAML::Node(YAML::NodeType::Null);
  return o;
}

// Applied after every source: values derived from others when left at 0.
void resolve(Config& config, Provenance& where) {
  auto derive = [&](const std::string& key, const std::string& from) {
    auto it = where.find(from);
    where[key] = fmt::format("{} (from {})", it == where.end() ? "default" : it->second, from);
  };
  if (config.schedule.total_steps == 0) {
    config.schedule.total_steps = config.train.max_steps;
    derive("schedule.total_steps", "train.max_steps");
  }
  if (config.finetune.micro == 0) {
    config.finetune.micro = config.finetune.batch;
    derive("finetune.micro", "finetune.batch");
  }
}

}  // namespace

Config load_config(const std::vector<std::string>& files, const std::vector<std::string>& overrides) {
  struct File {
    fs::path path;
    YAML::Node root;
  };
  std::vector<File> docs;
  for (const auto& name : files) docs.push_back({fs::path(name), read_yaml_file(name, "config file")});
  std::vector<Override> sets;
  for (const auto& spec : overrides) sets.push_back(parse_override(spec));

  // Which preset: the last one named, --set over files.
  std::string preset, preset_location;
  fs::path preset_dir = fs::current_path();
  for (const auto& doc : docs) {
    if (doc.root.IsMap() && doc.root["preset"]) {
      const YAML::Node node = doc.root["preset"];
      if (!node.IsScalar()) {
        fail("{}:{}: preset: expected a preset name, found {}", doc.path.string(),
             node.Mark().line + 1, to_raw(node).found);
      }
      preset = node.Scalar();
      preset_location = fmt::format("{}:{}", doc.path.string(), node.Mark().line + 1);
      preset_dir = doc.path.has_parent_path() ? doc.path.parent_path() : fs::path(".");
    }
  }
  for (const auto& o : sets) {
    if (o.key == "preset" && o.value.IsScalar()) {
      preset = o.value.Scalar();
      preset_location = o.text;
      preset_dir = fs::current_path();
    }
  }

  Config config;
  Provenance where;
  if (!preset.empty()) {
    fs::path path = config_detail::find_preset(preset, preset_dir, preset_location);
    const YAML::Node root = read_yaml_file(path, "preset");
    Origin origin{path.string(), true};
    if (root.IsMap() && root["preset"]) {
      fail("{}: preset: expected no preset inside a preset file, found '{}'", origin.at(root["preset"]),
           root["preset"].IsScalar() ? root["preset"].Scalar() : flow_text(root["preset"]));
    }
    apply_document(config, root, origin, where);
  }
  for (const auto& doc : docs) {
    Origin origin{doc.path.string(), true};
    apply_document(config, doc.root, origin, where);
  }
  for (const auto& o : sets) {
    Origin origin{o.text, false};
    apply_entry(config, o.key, o.value, o.text, origin, where);
  }
  config.preset = preset;
  resolve(config, where);
  config_detail::validate_config(config, &where);
  return config;
}

Config config_from_yaml_string(const std::string& yaml, const std::string& origin_name) {
  YAML::Node root = parse_yaml(yaml, origin_name);
  Config config;
  Provenance where;
  apply_document(config, root, Origin{origin_name, true}, where);
  resolve(config, where);
  config_detail::validate_config(config, &where);
  return config;
}

data::LoaderOptions loader_options(const Config& config) {
  data::LoaderOptions options;
  options.micro_batch = config.batch.micro;
  options.micro_tokens = config.batch.micro_tokens;
  options.workers = config.data.workers;
  options.prefetch = config.data.prefetch;
  options.seed = config.train.seed;
  options.shuffle = config.data.shuffle;
  options.rank_split = config.data.rank_split;
  return options;
}

}  // namespace roberta
