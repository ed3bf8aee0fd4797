// One downstream example as every task reader returns it: classification and regression
// (text_a, optional text_b, label or target) and token tagging (tokens, tags).
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace roberta::data::tasks {

struct Example {
  std::string text_a;               // first (or only) text
  std::string text_b;               // second text of a pair task; empty otherwise
  std::string label;                // class name as in the file ("entailment", "1"); empty if unlabeled
  float target = std::nanf("");     // regression target (STS-B score, numeric JSONL label); NaN otherwise
  std::vector<std::string> tokens;  // token tagging: the words
  std::vector<std::string> tags;    // token tagging: one tag per word (empty if unlabeled)
  uint64_t line = 0;                // 1-based line in its file (CoNLL: the first word's); 0 unknown

  bool has_label() const { return !label.empty() || !std::isnan(target) || !tags.empty(); }
};

// The fields of one TSV line (every tab separates; empty fields kept), shared by the readers.
inline std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  size_t begin = 0;
  for (;;) {
    size_t tab = line.find('\t', begin);
    fields.push_back(line.substr(begin, tab == std::string::npos ? std::string::npos : tab - begin));
    if (tab == std::string::npos) return fields;
    begin = tab + 1;
  }
}

}  // namespace roberta::data::tasks
