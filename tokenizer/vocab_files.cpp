#include "tokenizer/vocab_files.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "util/error.h"

namespace roberta::tokenizer {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("{}: cannot open (expected a tokenizer file)", path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// 1-based line of byte offset `at` in `text`, for JSON error messages.
int line_of(const std::string& text, size_t at) {
  int line = 1;
  for (size_t i = 0; i < at && i < text.size(); ++i) line += text[i] == '\n';
  return line;
}

}  // namespace

std::vector<std::string> read_vocab_json(const std::string& path) {
  std::string text = read_file(path);
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    fail("{}:{}: malformed JSON (expected an object of token -> id): {}", path,
         line_of(text, e.byte), e.what());
  } catch (const nlohmann::json::exception& e) {  // e.g. a number literal beyond double's range
    fail("{}: malformed JSON (expected an object of token -> id): {}", path, e.what());
  }
  if (!json.is_object()) fail("{}:1: expected a JSON object of token -> id, found {}", path, json.type_name());
  std::vector<std::string> tokens(json.size());
  std::vector<bool> seen(json.size(), false);
  for (auto it = json.begin(); it != json.end(); ++it) {
    if (!it.value().is_number_integer())
      fail("{}: token {:?}: expected an integer id, found {}", path, it.key(), it.value().dump());
    int64_t id = it.value().get<int64_t>();
    if (id < 0 || id >= int64_t(tokens.size()))
      fail("{}: token {:?}: id {} out of range (expected 0..{} for {} tokens)", path, it.key(), id,
           tokens.size() - 1, tokens.size());
    if (seen[id]) fail("{}: id {} used by both {:?} and {:?} (expected unique ids)", path, id, tokens[id], it.key());
    seen[id] = true;
    tokens[id] = it.key();
  }
  return tokens;
}

std::vector<Merge> read_merges_txt(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("{}: cannot open (expected a merges file)", path);
  std::vector<Merge> merges;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (number == 1 && line.rfind("#version", 0) == 0) continue;
    if (line.empty()) continue;  // GPT-2's vocab.bpe ends with a blank line
    size_t space = line.find(' ');
    if (space == std::string::npos || space == 0 || space + 1 == line.size() ||
        line.find(' ', space + 1) != std::string::npos)
      fail("{}:{}: expected a merge \"left right\" (two tokens, one space), found {:?}", path, number, line);
    merges.push_back({line.substr(0, space), line.substr(space + 1), number});
  }
  return merges;
}

VocabFiles read_vocab_files(const std::string& dir) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) fail("{}: not a directory (expected a tokenizer directory with vocab.json and merges.txt)", dir);
  VocabFiles files;
  files.tokens = read_vocab_json((fs::path(dir) / "vocab.json").string());
  files.merges = read_merges_txt((fs::path(dir) / "merges.txt").string());
  return files;
}

void write_vocab_files(const VocabFiles& files, const std::string& dir) {
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  // nlohmann's object would sort keys; HF writes ids in order, which keeps diffs readable.
  std::string vocab = "{";
  for (size_t id = 0; id < files.tokens.size(); ++id) {
    if (id) vocab += ',';
    vocab += nlohmann::json(files.tokens[id]).dump();
    vocab += ':';
    vocab += std::to_string(id);
  }
  vocab += "}";
  auto write = [&](const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (!out) fail("{}: cannot write", path.string());
  };
  write(fs::path(dir) / "vocab.json", vocab);
  std::string merges = "#version: 0.2\n";
  for (const auto& m : files.merges) merges += m.left + ' ' + m.right + '\n';
  write(fs::path(dir) / "merges.txt", merges);
}

}  // namespace roberta::tokenizer
