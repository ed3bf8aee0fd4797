// Finding a preset by name: configs/presets/<name>.yaml, searched for from the config file's
// directory upward, then from the working directory upward, then in $ROBERTA_CONFIG_DIR and
// the source tree, so `preset: tiny` works from the repository root, from a test and from an
// installed binary alike.
#include <algorithm>
#include <cstdlib>
#include <set>

#include "roberta/config/registry.h"
#include "util/error.h"

namespace roberta::config_detail {
namespace fs = std::filesystem;

namespace {

// The directories that may hold presets, most specific first; only existing ones.
std::vector<fs::path> preset_dirs(const fs::path& origin_dir) {
  std::vector<fs::path> dirs;
  std::error_code ec;
  auto add = [&](const fs::path& dir) {
    if (fs::is_directory(dir, ec) &&
        std::find(dirs.begin(), dirs.end(), dir.lexically_normal()) == dirs.end()) {
      dirs.push_back(dir.lexically_normal());
    }
  };
  auto walk_up = [&](fs::path dir) {
    dir = fs::absolute(dir, ec);
    while (!dir.empty()) {
      add(dir / "presets");
      add(dir / "configs" / "presets");
      if (dir == dir.root_path() || dir.parent_path() == dir) break;
      dir = dir.parent_path();
    }
  };
  walk_up(origin_dir.empty() ? fs::path(".") : origin_dir);
  walk_up(fs::current_path(ec));
  if (const char* env = std::getenv("ROBERTA_CONFIG_DIR"); env != nullptr && *env != '\0') {
    add(fs::path(env) / "presets");
    add(fs::path(env));
  }
#ifdef ROBERTA_CONFIG_SOURCE_DIR
  add(fs::path(ROBERTA_CONFIG_SOURCE_DIR) / "configs" / "presets");
#endif
  return dirs;
}

}  // namespace

fs::path find_preset(const std::string& name, const fs::path& origin_dir,
                     const std::string& location) {
  std::error_code ec;
  bool is_path = name.find('/') != std::string::npos ||
                 (name.size() > 5 && (name.rfind(".yaml") == name.size() - 5 ||
                                      name.rfind(".yml") == name.size() - 4));
  if (is_path) {
    fs::path path = fs::path(name).is_absolute() ? fs::path(name) : origin_dir / name;
    if (!fs::is_regular_file(path, ec)) {
      fail("{}: preset: expected an existing preset file, found no file at {}", location,
           path.string());
    }
    return path;
  }
  auto dirs = preset_dirs(origin_dir);
  std::set<std::string> known;
  for (const auto& dir : dirs) {
    fs::path path = dir / (name + ".yaml");
    if (fs::is_regular_file(path, ec)) return path;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".yaml") known.insert(entry.path().stem().string());
    }
  }
  std::string list;
  for (const auto& k : known) list += (list.empty() ? "" : "|") + k;
  std::string searched;
  for (const auto& d : dirs) searched += (searched.empty() ? "" : ", ") + d.string();
  std::string hint;
  size_t best = 3;  // suggest only near misses
  for (const auto& k : known) {
    size_t d = edit_distance(name, k);
    if (d < best) {
      best = d;
      hint = fmt::format("; did you mean '{}'?", k);
    }
  }
  fail("{}: unknown preset '{}': expected one of {}, found '{}'{} (searched {}; set "
       "ROBERTA_CONFIG_DIR to the configs/ directory)",
       location, name, list.empty() ? "the presets (none found)" : list, name, hint,
       searched.empty() ? "no presets directory" : searched);
}

}  // namespace roberta::config_detail
