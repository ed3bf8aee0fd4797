// A preprocessed dataset: a directory of token shards plus `dataset.json` (the manifest:
// special token ids, vocabulary size, shard files, counts). Presents the shards as one
// sequence of documents made of sentences, with global sentence numbers.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "data/shards.h"
#include "data/special_tokens.h"

namespace roberta::data {

constexpr const char* kManifestName = "dataset.json";
constexpr int kManifestVersion = 2;  // 2: a "shard_info" entry per shard (counts, CRC, size)

class Dataset {
 public:
  // Opens dir/dataset.json and maps every shard (each verified: size and checksum).
  static std::shared_ptr<const Dataset> open(const std::string& dir);

  const std::string& dir() const { return dir_; }
  const SpecialTokens& special() const { return special_; }
  // A CRC-32C over every shard's index CRC and counts: equal for the same shards' content.
  uint32_t identity() const;
  uint64_t num_documents() const { return document_shard_begin_.back(); }
  uint64_t num_sentences() const { return sentence_shard_begin_.back(); }
  uint64_t num_tokens() const { return num_tokens_; }
  // Global sentences of document d: [document_begin(d), document_begin(d + 1)).
  uint64_t document_begin(uint64_t d) const;
  uint64_t sentence_length(uint64_t s) const;
  // Appends tokens [from, to) of sentence s (offsets inside the sentence) to out.
  void append_sentence(uint64_t s, uint64_t from, uint64_t to, std::vector<int32_t>& out) const;
  // Gets ready to read these global token ranges (a batch's samples): opens the shards they
  // lie in that are not open yet, several at once, and starts the reads of their blocks in the
  // background (ShardReader::will_need).
  void prepare(const std::vector<std::pair<uint64_t, uint64_t>>& ranges) const;
  // Appends the tokens at global offsets [begin, end) (all shards' tokens end to end) to out,
  // with `separator` wherever two consecutive tokens belong to different documents.
  void append_tokens(uint64_t begin, uint64_t end, int32_t separator, std::vector<int32_t>& out) const;

  // The shards in order; shard k's local sentence i is global sentence shard_sentence_begin(k) + i.
  // A document never spans two shards.
  size_t num_shards() const { return info_.size(); }
  // Shard k, opened (header and block tables read and checked) the first time it is asked for,
  // by any thread; Dataset::open reads only dataset.json and checks each file's size.
  const ShardReader& shard(size_t k) const;
  uint64_t shard_sentence_begin(size_t k) const { return sentence_shard_begin_[k]; }
  uint64_t shard_token_begin(size_t k) const { return token_shard_begin_[k]; }

  // Token blocks (the unit of lazy CRC checking, shards.h): the smallest block in tokens, and
  // how many blocks of all shards this process has read so far out of how many.
  uint64_t block_tokens() const;
  struct BlocksRead {
    uint64_t read = 0, total = 0;
  };
  BlocksRead blocks_read() const;
  // Which token blocks this process has read: one flag per block of all shards in order (shard
  // 0's blocks first), blocks_read().total in all. Ranks compare theirs (docs/data.md).
  std::vector<uint8_t> blocks_read_map() const;
  // Checks every shard's sentence and document index and every token block now, on `threads` threads (0: all
  // cores), instead of as they are first read; throws the first damage found. Returns the bytes
  // checked.
  uint64_t verify(int threads = 0) const;

 private:
  Dataset() = default;
  std::pair<const ShardReader*, uint64_t> locate(uint64_t s) const;
  // Appends the shard's tokens [begin, end), checking each id against the vocabulary.
  void append_checked(const ShardReader& shard, uint64_t begin, uint64_t end, std::vector<int32_t>& out) const;

  // What dataset.json says of each shard: enough to plan and address it without opening it.
  struct ShardInfo {
    std::string path;
    uint64_t tokens = 0, sentences = 0, documents = 0, bytes = 0, block_bytes = 0, dtype_bytes = 0;
    uint32_t index_crc = 0;
    uint64_t token_blocks() const { return (tokens * dtype_bytes + block_bytes - 1) / block_bytes; }
  };
  std::string dir_;
  SpecialTokens special_;
  uint64_t num_tokens_ = 0;
  std::vector<ShardInfo> info_;
  mutable std::vector<std::unique_ptr<ShardReader>> shards_;  // [shards], each set once by shard(k)
  mutable std::unique_ptr<std::once_flag[]> opened_;
  mutable std::unique_ptr<std::atomic<bool>[]> is_open_;  // shards_[k] is set
  std::vector<uint64_t> sentence_shard_begin_{0};  // [shards + 1] first global sentence per shard
  std::vector<uint64_t> token_shard_begin_{0};     // [shards + 1] first global token per shard
  std::vector<uint64_t> document_shard_begin_{0};  // [shards + 1] first global document per shard
};

// Writes a dataset directory: documents are appended in order and shards roll over once
// they hold max_shard_tokens (a document never spans two shards).
class DatasetWriter {
 public:
  DatasetWriter(std::string dir, SpecialTokens special, uint64_t max_shard_tokens = 64ull << 20,
                uint64_t block_bytes = kShardBlockBytes);
  // Starts a document; true when that first finished the shard before it (written to disk).
  bool begin_document();
  void add_sentence(const int32_t* tokens, size_t count);
  void add_sentence(const std::vector<int32_t>& tokens) { add_sentence(tokens.data(), tokens.size()); }
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
