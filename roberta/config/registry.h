// The table of config keys (internal to roberta/config): each key declared once with its
// help text, type, range and accessor. Parsing, --set, printing, validation of single
// values, "did you mean" and docs all come from this table. YAML-free: values arrive as
// RawValue (scalar text or a list of scalar texts) from the YAML reader.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "roberta/config/config.h"

namespace roberta::config_detail {

// A YAML value reduced to what a field needs.
struct RawValue {
  enum class Kind { scalar, sequence, map, null } kind = Kind::scalar;
  std::string text;                // scalar: its text
  bool quoted = false;             // scalar: written in quotes (a string, never a number)
  std::vector<std::string> items;  // sequence: each item's text (items must be scalars)
  std::vector<bool> items_quoted;
  std::string found;               // how to show the value in an error message
};

// Thrown by a field's set(); the reader adds origin and key.
struct ValueError {
  std::string expected;
  std::string found;
};

struct Field {
  std::string key;       // "section.name" or "name" at top level
  std::string expected;  // "integer >= 1", "one of linear|polynomial|..."
  std::string help;
  std::function<void(Config&, const RawValue&)> set;  // throws ValueError
  std::function<std::string(const Config&)> get;      // YAML text of the current value
};

const std::vector<Field>& fields();
const Field* find_field(const std::string& key);  // resolves aliases (`init`)

// The sections in declaration order ("model", "tokenizer", ...).
const std::vector<std::string>& sections();

// A near miss among the keys (edit distance, or the same leaf in another section); "" if none.
std::string suggest_key(const std::string& key);

// Damerau-Levenshtein distance (a swapped pair of letters counts 1), for "did you mean".
size_t edit_distance(const std::string& a, const std::string& b);

// YAML text helpers shared with the writer.
std::string yaml_number(double value);      // round-trip exact, PyYAML reads it as a float
std::string yaml_string(const std::string& value);  // double-quoted, escaped

// Where each key got its final value ("demo.yaml:12", "--set model.heads=5"), for messages
// about cross-field checks. Keys never set are absent.
using Provenance = std::map<std::string, std::string>;

// validate() with locations when known.
void validate_config(const Config& config, const Provenance* where);

// The preset file for `name` (a preset name or a path ending in .yaml / containing '/').
// `origin_dir`: the directory of the file that named it (the working directory for --set).
// `location`: for the error message when it cannot be found.
std::filesystem::path find_preset(const std::string& name, const std::filesystem::path& origin_dir,
                                  const std::string& location);

}  // namespace roberta::config_detail
