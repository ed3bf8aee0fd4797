// Fuzzes the config loader (YAML text -> typed Config, validation) through
// config_from_yaml_string, the entry a checkpoint's config.yaml takes, and load_config on a
// file (presets, unknown keys with "did you mean", wrong types, out-of-range values). Only
// roberta::Error may escape: a yaml-cpp exception or a crash is a finding.
#include <cstdint>
#include <string>

#include "fuzz/fuzz_util.h"
#include "roberta/config/config.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    roberta::config_from_yaml_string(text, "<fuzz>");
  } catch (const roberta::Error&) {
  }
  const std::string path = roberta::fuzz::scratch_dir() + "/config.yaml";
  roberta::fuzz::write_file(path, text);
  try {
    roberta::Config config = roberta::load_config({path});
    // A config that loads must survive its own round trip (it is written into checkpoints).
    roberta::config_from_yaml_string(roberta::to_yaml(config), "<round trip>");
  } catch (const roberta::Error&) {
  }
  return 0;
}
