// Shared access to tests/fixtures/tokenizer (golden cases made by scripts/reference).
#pragma once

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>

namespace roberta::tokenizer::testing {

inline std::string fixture_path(const std::string& name) {
  return std::string(ROBERTA_FIXTURES) + "/tokenizer/" + name;
}

inline const nlohmann::json& golden_cases() {
  static const nlohmann::json cases = [] {
    std::ifstream in(fixture_path("golden.json"));
    return nlohmann::json::parse(in);
  }();
  return cases;
}

}  // namespace roberta::tokenizer::testing
