// Plain-text and JSONL document readers.
#include "data/corpus.h"

#include <nlohmann/json.hpp>

#include <filesystem>

#include "util/error.h"

namespace roberta::data {

CorpusFormat corpus_format_for(const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  return ext == ".jsonl" || ext == ".json" ? CorpusFormat::jsonl : CorpusFormat::text;
}

CorpusReader::CorpusReader(std::string path, CorpusFormat format)
    : path_(std::move(path)), format_(format), in_(path_, std::ios::binary) {
  if (!in_) fail("{}: cannot open the corpus file", path_);
  std::error_code ec;
  total_bytes_ = std::filesystem::file_size(path_, ec);
}

void CorpusReader::seek(uint64_t bytes, uint64_t lines) {
  if (bytes > total_bytes_) fail("{}: cannot continue at byte {}: the file has {} bytes", path_, bytes, total_bytes_);
  in_.clear();
  in_.seekg(static_cast<std::streamoff>(bytes));
  if (!in_) fail("{}: cannot seek to byte {}", path_, bytes);
  bytes_read_ = bytes;
  line_ = lines;
}

namespace {
bool blank(const std::string& line) {
  return line.find_first_not_of(" \t\r\f\v") == std::string::npos;
}
}  // namespace

bool CorpusReader::next(std::string& document) {
  document.clear();
  std::string line;
  while (std::getline(in_, line)) {
    ++line_;
    bytes_read_ += line.size() + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (format_ == CorpusFormat::jsonl) {
      if (blank(line)) continue;
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(line);
      } catch (const nlohmann::json::exception& e) {
        fail("{}:{}: expected a JSON object, found invalid JSON ({})", path_, line_, e.what());
      }
      if (!j.is_object() || !j.contains("text") || !j["text"].is_string()) {
        fail("{}:{}: expected an object with a string field \"text\", found {}", path_, line_,
             j.dump().substr(0, 80));
      }
      document = j["text"].get<std::string>();
      if (blank(document)) continue;
      return true;
    }
    if (blank(line)) {
      if (!document.empty()) return true;
      continue;
    }
    if (!document.empty()) document += '\n';
    document += line;
  }
  bytes_read_ = std::min(bytes_read_, total_bytes_);
  return !document.empty();
}

}  // namespace roberta::data
