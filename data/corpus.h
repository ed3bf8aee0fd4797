// Streaming corpus reading: one document at a time, whatever the file size.
//   text:  documents separated by one or more blank lines; a document has one or more lines
//   jsonl: one JSON object per line with a string field "text" (blank lines are skipped)
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

namespace roberta::data {

enum class CorpusFormat { text, jsonl };

// jsonl for *.jsonl / *.json, text otherwise.
CorpusFormat corpus_format_for(const std::string& path);

class CorpusReader {
 public:
  CorpusReader(std::string path, CorpusFormat format);
  // The next non-empty document (lines joined with '\n'); false at the end of the file.
  // Malformed JSONL throws roberta::Error naming the file and line.
  bool next(std::string& document);
  uint64_t bytes_read() const { return bytes_read_; }
  uint64_t lines_read() const { return line_; }
  // Continues from a position an earlier reader reported after a document (bytes_read() and
  // lines_read() then): the next document is the one that followed it.
  void seek(uint64_t bytes, uint64_t lines);
  uint64_t total_bytes() const { return total_bytes_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  CorpusFormat format_;
  std::ifstream in_;
  uint64_t line_ = 0;
  uint64_t bytes_read_ = 0;
  uint64_t total_bytes_ = 0;
};

}  // namespace roberta::data
