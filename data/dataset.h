// A preprocessed dataset: a directory of token shards plus `dataset.json` (the manifest:
// special token ids, vocabulary size, shard files, counts). Presents the shards as one
// sequence of documents made of sentences, with global sentence numbers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/shards.h"
#include "data/special_tokens.h"

namespace roberta::data {

constexpr const char* kManifestName = "dataset.json";
constexpr int kManifestVersion = 1;

class Dataset {
 public:
  // Opens dir/dataset.json and maps every shard (each verified: size and checksum).
  static std::shared_ptr<const Dataset> open(const std::string& dir);

  const SpecialTokens& special() const { return special_; }
  uint64_t num_documents() const { return doc_sentence_begin_.size() - 1; }
  uint64_t num_sentences() const { return sentence_shard_begin_.back(); }
  uint64_t num_tokens() const { return num_tokens_; }
  // Global sentences of document d: [document_begin(d), document_begin(d + 1)).
  uint64_t document_begin(uint64_t d) const { return doc_sentence_begin_[d]; }
  uint64_t sentence_length(uint64_t s) const;
  // Appends tokens [from, to) of sentence s (offsets inside the sentence) to out.
  void append_sentence(uint64_t s, uint64_t from, uint64_t to, std::vector<int32_t>& out) const;

 private:
  Dataset() = default;
  std::pair<const ShardReader*, uint64_t> locate(uint64_t s) const;

  SpecialTokens special_;
  uint64_t num_tokens_ = 0;
  std::vector<std::unique_ptr<ShardReader>> shards_;
  std::vector<uint64_t> sentence_shard_begin_{0};  // [shards + 1] first global sentence per shard
  std::vector<uint64_t> doc_sentence_begin_{0};    // [documents + 1]
};

// Writes a dataset directory: documents are appended in order and shards roll over once
// they hold max_shard_tokens (a document never spans two shards).
class DatasetWriter {
 public:
  DatasetWriter(std::string dir, SpecialTokens special, uint64_t max_shard_tokens = 64ull << 20);
  void begin_document();
  void add_sentence(const std::vector<int32_t>& tokens);
  void finish();  // writes the last shard and the manifest
  uint64_t num_documents() const { return documents_; }
  uint64_t num_sentences() const { return sentences_; }
  uint64_t num_tokens() const { return tokens_; }

 private:
  void roll();
  std::string dir_;
  SpecialTokens special_;
  uint64_t max_shard_tokens_;
  std::unique_ptr<ShardWriter> shard_;
  std::vector<std::string> shard_names_;
  uint64_t documents_ = 0, sentences_ = 0, tokens_ = 0;
  bool doc_has_sentence_ = false;
};

}  // namespace roberta::data
