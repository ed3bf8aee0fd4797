// Helpers for the config tests: temporary YAML files written from strings, and the error
// message of a call expected to throw roberta::Error.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include <unistd.h>

#include "util/error.h"

namespace roberta::test {

// A file under the temp dir holding `text`; removed when the object goes.
class TempYaml {
 public:
  explicit TempYaml(const std::string& text, const std::string& name = "cfg.yaml") {
    static int counter = 0;
    dir_ = std::filesystem::temp_directory_path() /
           ("roberta_config_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(dir_);
    path_ = dir_ / name;
    std::ofstream(path_) << text;
  }
  ~TempYaml() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string path() const { return path_.string(); }
  std::filesystem::path dir() const { return dir_; }

 private:
  std::filesystem::path dir_, path_;
};

// The message of the roberta::Error that `f` throws; "" if it does not throw.
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const roberta::Error& e) {
    return e.what();
  }
  return "";
}

// Presets from the source tree whatever the working directory.
inline void use_source_presets() {
  ::setenv("ROBERTA_CONFIG_DIR", ROBERTA_SOURCE_DIR "/configs", 1);
}

}  // namespace roberta::test
