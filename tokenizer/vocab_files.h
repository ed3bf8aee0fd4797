// The Hugging Face tokenizer file pair: vocab.json ({"token": id, ...}) and merges.txt
// ("#version: 0.2" then one "left right" merge per line, in rank order). GPT-2's
// encoder.json and vocab.bpe are the same two formats.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace roberta::tokenizer {

struct Merge {
  std::string left;   // byte-level text, e.g. "Ġ"
  std::string right;  // e.g. "t"
  int line = 0;       // 1-based line in merges.txt (0 when built in memory), for errors
};

struct VocabFiles {
  std::vector<std::string> tokens;  // tokens[id]; ids must be 0..N-1 without gaps
  std::vector<Merge> merges;        // rank order
};

// Reads dir/vocab.json and dir/merges.txt. Throws roberta::Error naming the file, the line
// and what was wrong (malformed JSON, duplicate or missing ids, a bad merge line).
VocabFiles read_vocab_files(const std::string& dir);
std::vector<std::string> read_vocab_json(const std::string& path);
std::vector<Merge> read_merges_txt(const std::string& path);

// Writes the pair in the form Hugging Face writes it (vocab.json one object, merges.txt with
// "#version: 0.2"); creates dir if needed.
void write_vocab_files(const VocabFiles& files, const std::string& dir);

}  // namespace roberta::tokenizer
