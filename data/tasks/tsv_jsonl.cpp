// Generic TSV and JSONL task readers (see tsv_jsonl.h).
#include "data/tasks/tsv_jsonl.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "data/tasks/conll.h"
#include "util/error.h"

namespace roberta::data::tasks {
namespace {

float parse_target(const std::string& value, const std::string& path, uint64_t line) {
  try {
    size_t used = 0;
    float v = std::stof(value, &used);
    if (used == value.size()) return v;
  } catch (const std::exception&) {
  }
  fail("{}:{}: expected a numeric label (regression), found \"{}\"", path, line, value);
}

}  // namespace

std::vector<Example> read_tsv(const std::string& path, bool regression) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("{}: cannot open the task file", path);
  std::string line;
  uint64_t line_no = 0;
  std::vector<std::string> header;
  int text = -1, pair = -1, label = -1;
  std::vector<Example> out;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto fields = split_tabs(line);
    if (line_no == 1) {
      header = fields;
      auto find = [&](const char* name) {
        auto it = std::find(header.begin(), header.end(), name);
        return it == header.end() ? -1 : static_cast<int>(it - header.begin());
      };
      text = find("text");
      pair = find("text_pair");
      label = find("label");
      if (text < 0) fail("{}:1: expected a header with a \"text\" column, found \"{}\"", path, line.substr(0, 120));
      continue;
    }
    if (line.empty()) continue;
    if (fields.size() != header.size()) {
      fail("{}:{}: expected {} tab-separated fields, found {}", path, line_no, header.size(), fields.size());
    }
    Example ex;
    ex.line = line_no;
    ex.text_a = fields[static_cast<size_t>(text)];
    if (pair >= 0) ex.text_b = fields[static_cast<size_t>(pair)];
    if (label >= 0) {
      const auto& value = fields[static_cast<size_t>(label)];
      if (regression) ex.target = parse_target(value, path, line_no);
      else ex.label = value;
    }
    out.push_back(std::move(ex));
  }
  return out;
}

std::vector<Example> read_jsonl(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("{}: cannot open the task file", path);
  std::string line;
  uint64_t line_no = 0;
  std::vector<Example> out;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      fail("{}:{}: expected a JSON object, found invalid JSON ({})", path, line_no, e.what());
    }
    if (!j.is_object() || !j.contains("text") || !j["text"].is_string()) {
      fail("{}:{}: expected an object with a string \"text\", found {}", path, line_no, j.dump().substr(0, 80));
    }
    Example ex;
    ex.line = line_no;
    ex.text_a = j["text"].get<std::string>();
    if (j.contains("text_pair")) {
      if (!j["text_pair"].is_string()) fail("{}:{}: expected \"text_pair\" to be a string, found {}", path, line_no, j["text_pair"].dump());
      ex.text_b = j["text_pair"].get<std::string>();
    }
    if (j.contains("label")) {
      const auto& l = j["label"];
      if (l.is_string()) ex.label = l.get<std::string>();
      else if (l.is_number()) ex.target = l.get<float>();
      else if (!l.is_null()) fail("{}:{}: expected \"label\" to be a string or a number, found {}", path, line_no, l.dump());
    }
    out.push_back(std::move(ex));
  }
  return out;
}

std::vector<Example> read_task_file(const std::string& path, bool regression) {
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".jsonl" || ext == ".json") return read_jsonl(path);
  if (ext == ".conll") return read_conll(path);
  return read_tsv(path, regression);
}

}  // namespace roberta::data::tasks
