// Binary token shards: one memory-mapped file per shard holding the token ids of whole
// documents plus the index of their sentence and document boundaries.
//
// Layout (little-endian), every section 8-byte aligned:
//   ShardHeader (64 bytes): magic "RBTSHARD", version, dtype bytes (2 = uint16, 4 = uint32),
//                           token/sentence/document counts, CRC-32C of the document offsets and
//                           block CRC table, the token block size, CRC-32C of the sentence offsets
//   uint64 sentence_offsets[num_sentences + 1]   token offset where each sentence starts
//   uint64 document_offsets[num_documents + 1]   sentence offset where each document starts
//   uint32 block_crc[num_blocks]                 CRC-32C of each block_bytes of the token section
//                                                (the last block shorter), then zero padding
//   uint16/uint32 tokens[num_tokens]             then zero padding to 8 bytes
// Opening checks magic, version, dtype, the exact file size (truncation), the document offsets
// and block table (CRC and order: a few bytes per document) and the index ends. It reads neither
// the sentence offsets (8 bytes per sentence, the bulk of the index) nor the tokens, so it costs
// the same for any shard size. The sentence offsets are checked (CRC, order) the first time any
// of them is read, and each token block the first time anything in it is read, by any thread:
// a flipped byte is an error naming the shard and where, never a batch.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace roberta::data {

constexpr char kShardMagic[8] = {'R', 'B', 'T', 'S', 'H', 'A', 'R', 'D'};
constexpr uint32_t kShardVersion = 3;
// Token bytes per checked block. A block is read whole (pread) and checked the first time any
// token in it is read, so on a cold page cache each sample of a random-order epoch costs one
// block read: 64 KiB keeps that small, and the CRC table at 4 bytes per block stays tiny.
constexpr uint64_t kShardBlockBytes = 64 << 10;

struct ShardHeader {
  char magic[8];
  uint32_t version;
  uint32_t dtype_bytes;     // 2 when vocab_size <= 65536, else 4
  uint64_t num_tokens;
  uint64_t num_sentences;
  uint64_t num_documents;
  uint64_t index_crc;       // CRC-32C over the document offsets and the block CRC table
  uint64_t block_bytes;     // token bytes per block (a multiple of 8)
  uint64_t sentence_crc;    // CRC-32C over the sentence offsets
};
static_assert(sizeof(ShardHeader) == 64, "the shard header is 64 bytes on disk");

// Collects documents in memory and writes one shard file on finish().
class ShardWriter {
 public:
  // block_bytes: token bytes per checked block (a positive multiple of 8; small in tests).
  ShardWriter(std::string path, int64_t vocab_size, uint64_t block_bytes = kShardBlockBytes);
  void begin_document();
  void add_sentence(const std::vector<int32_t>& tokens);  // ids must be < vocab_size
  void finish();  // writes the file (to path.tmp, then renamed)
  // Room for this many tokens up front (address space only until written): a shard grown by
  // doubling copies its tokens about twice more, and touches fresh pages each time.
  void reserve(uint64_t tokens) { tokens_.reserve(tokens); }
  uint64_t num_tokens() const { return tokens_.size(); }
  uint64_t num_sentences() const { return sentence_offsets_.size() - 1; }
  uint64_t num_documents() const { return document_offsets_.size() - 1; }

 private:
  std::string path_;
  int64_t vocab_size_;
  uint32_t dtype_bytes_;
  uint64_t block_bytes_;
  std::vector<uint32_t> tokens_;
  std::vector<uint64_t> sentence_offsets_{0};
  std::vector<uint64_t> document_offsets_{0};
  bool in_document_ = false;
};

// A read-only memory map of one shard; cheap to copy the views out of.
class ShardReader {
 public:
  // Throws roberta::Error if the header or index is damaged; token blocks are checked as read.
  explicit ShardReader(const std::string& path);
  ~ShardReader();
  ShardReader(const ShardReader&) = delete;
  ShardReader& operator=(const ShardReader&) = delete;

  const std::string& path() const { return path_; }
  uint32_t dtype_bytes() const { return header_.dtype_bytes; }
  uint64_t num_tokens() const { return header_.num_tokens; }
  uint64_t num_sentences() const { return header_.num_sentences; }
  uint64_t num_documents() const { return header_.num_documents; }
  // Token offsets of sentence s: [sentence_begin(s), sentence_begin(s + 1)).
  uint64_t sentence_begin(uint64_t s) const {
    if (!sentences_verified_.load(std::memory_order_acquire)) verify_sentences();
    return sentence_offsets_[s];
  }
  // Sentence offsets of document d: [document_begin(d), document_begin(d + 1)).
  uint64_t document_begin(uint64_t d) const { return document_offsets_[d]; }
  // The sentence holding token t (< num_tokens), the document holding sentence s: binary searches.
  uint64_t sentence_of(uint64_t t) const;
  uint64_t document_of(uint64_t s) const;
  // Appends tokens [begin, end) to out, after checking any block of them not yet checked.
  void append_tokens(uint64_t begin, uint64_t end, std::vector<int32_t>& out) const;
  uint64_t block_bytes() const { return header_.block_bytes; }
  uint32_t index_crc() const { return static_cast<uint32_t>(header_.index_crc); }
  uint64_t num_blocks() const { return num_blocks_; }
  // Checks the sentence index and token blocks [first, end) now (those not yet checked).
  void verify_blocks_now(uint64_t first, uint64_t end) const;
  uint64_t blocks_verified() const;  // how many blocks have been read and checked so far

 private:
  std::string path_;
  int fd_ = -1;
  void* map_ = nullptr;
  size_t map_bytes_ = 0;
  ShardHeader header_{};
  const uint64_t* sentence_offsets_ = nullptr;
  const uint64_t* document_offsets_ = nullptr;
  const uint32_t* block_crc_ = nullptr;
  const void* tokens_ = nullptr;
  uint64_t tokens_file_offset_ = 0;
  uint64_t num_blocks_ = 0;
  std::unique_ptr<std::atomic<bool>[]> verified_;
  mutable std::atomic<bool> sentences_verified_{false};

  void verify_blocks(uint64_t first_byte, uint64_t end_byte) const;
  void verify_sentences() const;
  void read_at(uint64_t offset, size_t bytes, std::vector<char>& buffer) const;  // pread, all of it
};

}  // namespace roberta::data
