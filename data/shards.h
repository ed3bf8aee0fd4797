// Binary token shards: one memory-mapped file per shard holding the token ids of whole
// documents plus the index of their sentence and document boundaries.
//
// Layout (little-endian), every section 8-byte aligned:
//   ShardHeader (64 bytes): magic "RBTSHARD", version, dtype bytes (2 = uint16, 4 = uint32),
//                           token/sentence/document counts, FNV-1a 64 checksum of the rest
//   uint64 sentence_offsets[num_sentences + 1]   token offset where each sentence starts
//   uint64 document_offsets[num_documents + 1]   sentence offset where each document starts
//   uint16/uint32 tokens[num_tokens]             then zero padding to 8 bytes
// The reader checks magic, version, dtype, the exact file size (truncation) and the checksum.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace roberta::data {

constexpr char kShardMagic[8] = {'R', 'B', 'T', 'S', 'H', 'A', 'R', 'D'};
constexpr uint32_t kShardVersion = 1;

struct ShardHeader {
  char magic[8];
  uint32_t version;
  uint32_t dtype_bytes;     // 2 when vocab_size <= 65536, else 4
  uint64_t num_tokens;
  uint64_t num_sentences;
  uint64_t num_documents;
  uint64_t checksum;        // FNV-1a 64 over everything after the header
  uint64_t reserved[2];
};
static_assert(sizeof(ShardHeader) == 64, "the shard header is 64 bytes on disk");

// FNV-1a 64, chained: fnv1a(data, n, fnv1a(prev, ...)).
uint64_t fnv1a(const void* data, size_t bytes, uint64_t hash = 0xcbf29ce484222325ULL);

// Collects documents in memory and writes one shard file on finish().
class ShardWriter {
 public:
  ShardWriter(std::string path, int64_t vocab_size);
  void begin_document();
  void add_sentence(const std::vector<int32_t>& tokens);  // ids must be < vocab_size
  void finish();  // writes the file (to path.tmp, then renamed)
  uint64_t num_tokens() const { return tokens_.size(); }
  uint64_t num_sentences() const { return sentence_offsets_.size() - 1; }
  uint64_t num_documents() const { return document_offsets_.size() - 1; }

 private:
  std::string path_;
  int64_t vocab_size_;
  uint32_t dtype_bytes_;
  std::vector<uint32_t> tokens_;
  std::vector<uint64_t> sentence_offsets_{0};
  std::vector<uint64_t> document_offsets_{0};
  bool in_document_ = false;
};

// A read-only memory map of one shard; cheap to copy the views out of.
class ShardReader {
 public:
  explicit ShardReader(const std::string& path);  // throws roberta::Error if corrupt
  ~ShardReader();
  ShardReader(const ShardReader&) = delete;
  ShardReader& operator=(const ShardReader&) = delete;

  const std::string& path() const { return path_; }
  uint32_t dtype_bytes() const { return header_.dtype_bytes; }
  uint64_t num_tokens() const { return header_.num_tokens; }
  uint64_t num_sentences() const { return header_.num_sentences; }
  uint64_t num_documents() const { return header_.num_documents; }
  // Token offsets of sentence s: [sentence_begin(s), sentence_begin(s + 1)).
  uint64_t sentence_begin(uint64_t s) const { return sentence_offsets_[s]; }
  // Sentence offsets of document d: [document_begin(d), document_begin(d + 1)).
  uint64_t document_begin(uint64_t d) const { return document_offsets_[d]; }
  int32_t token(uint64_t i) const {
    return header_.dtype_bytes == 2 ? static_cast<const uint16_t*>(tokens_)[i]
                                    : static_cast<int32_t>(static_cast<const uint32_t*>(tokens_)[i]);
  }
  // Appends tokens [begin, end) to out.
  void append_tokens(uint64_t begin, uint64_t end, std::vector<int32_t>& out) const;

 private:
  std::string path_;
  void* map_ = nullptr;
  size_t map_bytes_ = 0;
  ShardHeader header_{};
  const uint64_t* sentence_offsets_ = nullptr;
  const uint64_t* document_offsets_ = nullptr;
  const void* tokens_ = nullptr;
};

}  // namespace roberta::data
