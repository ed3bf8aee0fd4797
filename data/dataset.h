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

  const std::string& dir() const { return dir_; }
  const SpecialTokens& special() const { return special_; }
  // A CRC-32C over every shard's index CRC and counts: equal for the same shards' content.
  uint32_t identity() const;
  uint64_t num_documents() const { return doc_sentence_begin_.size() - 1; }
  uint64_t num_sentences() const { return sentence_shard_begin_.back(); }
  uint64_t num_tokens() const { return num_tokens_; }
  // Global sentences of document d: [document_begin(d), document_begin(d + 1)).
  uint64_t document_begin(uint64_t d) const { return doc_sentence_begin_[d]; }
  uint64_t sentence_length(uint64_t s) const;
  // Appends tokens [from, to) of sentence s (offsets inside the sentence) to out.
  void append_sentence(uint64_t s, uint64_t from, uint64_t to, std::vector<int32_t>& out) const;
  // Appends the tokens at global offsets [begin, end) (all shards' tokens end to end) to out,
  // with `separator` wherever two consecutive tokens belong to different documents.
  void append_tokens(uint64_t begin, uint64_t end, int32_t separator, std::vector<int32_t>& out) const;

  // The shards in order; shard k's local sentence i is global sentence shard_sentence_begin(k) + i.
  // A document never spans two shards.
  size_t num_shards() const { return shards_.size(); }
  const ShardReader& shard(size_t k) const { return *shards_[k]; }
  uint64_t shard_sentence_begin(size_t k) const { return sentence_shard_begin_[k]; }
  uint64_t shard_token_begin(size_t k) const { return token_shard_begin_[k]; }

  // Token blocks (the unit of lazy CRC checking, shards.h): the smallest block in tokens, and
  // how many blocks of all shards this process has read so far out of how many.
  uint64_t block_tokens() const;
  struct BlocksRead {
    uint64_t read = 0, total = 0;
  };
  BlocksRead blocks_read() const;
  // Checks every shard's sentence index and every token block now, on `threads` threads (0: all
  // cores), instead of as they are first read; throws the first damage found. Returns the bytes
  // checked.
  uint64_t verify(int threads = 0) const;

 private:
  Dataset() = default;
  std::pair<const ShardReader*, uint64_t> locate(uint64_t s) const;
  // Appends the shard's tokens [begin, end), checking each id against the vocabulary.
  void append_checked(const ShardReader& shard, uint64_t begin, uint64_t end, std::vector<int32_t>& out) const;

  std::string dir_;
  SpecialTokens special_;
  uint64_t num_tokens_ = 0;
  std::vector<std::unique_ptr<ShardReader>> shards_;
  std::vector<uint64_t> sentence_shard_begin_{0};  // [shards + 1] first global sentence per shard
  std::vector<uint64_t> token_shard_begin_{0};     // [shards + 1] first global token per shard
  std::vector<uint64_t> doc_sentence_begin_{0};    // [documents + 1]
};

// Writes a dataset directory: documents are appended in order and shards roll over once
// they hold max_shard_tokens (a document never spans two shards).
class DatasetWriter {
 public:
  DatasetWriter(std::string dir, SpecialTokens special, uint64_t max_shard_tokens = 64ull << 20,
                uint64_t block_bytes = kShardBlockBytes);
  // Starts a document; true when that first finished the shard before it (written to disk).
  bool begin_document();
  void add_sentence(const std::vector<int32_t>& tokens);
  void finish();  // writes the last shard and the manifest
  // Continues a writer that was stopped: these shards (in dir) are done and hold these counts.
  void resume(std::vector<std::string> shard_names, uint64_t documents, uint64_t sentences, uint64_t tokens);
  // The shards finished so far (not the one being filled).
  std::vector<std::string> finished_shards() const;
  uint64_t num_documents() const { return documents_; }
  uint64_t num_sentences() const { return sentences_; }
  uint64_t num_tokens() const { return tokens_; }

 private:
  void roll();
  std::string dir_;
  SpecialTokens special_;
  uint64_t max_shard_tokens_;
  uint64_t block_bytes_;
  std::unique_ptr<ShardWriter> shard_;
  std::vector<std::string> shard_names_;
  uint64_t documents_ = 0, sentences_ = 0, tokens_ = 0;
  bool doc_has_sentence_ = false;
};

}  // namespace roberta::data
