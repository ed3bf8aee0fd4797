// Binary token shards: one memory-mapped file per shard holding the token ids of whole
// documents plus the index of their sentence and document boundaries.
//
// Layout (little-endian), every section 8-byte aligned:
//   ShardHeader (64 bytes): magic "RBTSHARD", version, dtype bytes (2 = uint16, 4 = uint32),
//                           token/sentence/document counts, CRC-32C of the tables below, the
//                           token block size, the offsets per index block
//   uint64 sentence_offsets[num_sentences + 1]   token offset where each sentence starts
//   uint64 document_offsets[num_documents + 1]   sentence offset where each document starts
//   uint64 document_tokens[num_documents + 1]    token offset where each document starts
//   the tables, covered by the header's CRC:
//     uint64 first[blocks] for each of the three arrays above, in order: the first offset of
//                                                each index block
//     uint32 crc[blocks] for each, in order      CRC-32C of each index block, each array's
//                                                then zero padding to 8 bytes
//     uint32 block_crc[num_blocks]               CRC-32C of each block_bytes of the token section
//                                                (the last block shorter), then zero padding
//   uint16/uint32 tokens[num_tokens]             then zero padding to 8 bytes
// Index blocks hold index_block_entries offsets (8192: 64 KiB), token blocks block_bytes.
// Opening checks magic, version, dtype, the exact file size (truncation) and the tables (CRC,
// and that the first offsets start at 0 and never decrease): about 12 bytes per 8192
// sentences or documents and 4 per 64 KiB of tokens, so it costs next to nothing for any shard size. Each
// index block is read and checked (CRC, order, within its neighbours' first offsets) the first
// time any offset in it is read, and each token block the first time anything in it is read,
// by any thread: a flipped byte is an error naming the shard and where, never a batch. Finding
// the sentence or document of a token reads the tables, then one index block; packed samples
// (FULL-SENTENCES, DOC-SENTENCES) need only the document token offsets, 8 bytes per document.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace roberta::data {

constexpr char kShardMagic[8] = {'R', 'B', 'T', 'S', 'H', 'A', 'R', 'D'};
constexpr uint32_t kShardVersion = 4;
// Token bytes per checked block. A block is read whole (pread) and checked the first time any
// token in it is read, so on a cold page cache each sample of a random-order epoch costs one
// block read: 64 KiB keeps that small, and the CRC table at 4 bytes per block stays tiny.
constexpr uint64_t kShardBlockBytes = 64 << 10;
// Offsets per checked index block: 64 KiB of sentence or document offsets.
constexpr uint64_t kIndexBlockEntries = 8192;

struct ShardHeader {
  char magic[8];
  uint32_t version;
  uint32_t dtype_bytes;     // 2 when vocab_size <= 65536, else 4
  uint64_t num_tokens;
  uint64_t num_sentences;
  uint64_t num_documents;
  uint64_t index_crc;            // CRC-32C over the tables (first offsets, index and token block CRCs)
  uint64_t block_bytes;          // token bytes per block (a multiple of 8)
  uint64_t index_block_entries;  // offsets per index block
};
static_assert(sizeof(ShardHeader) == 64, "the shard header is 64 bytes on disk");

// Collects documents in memory and writes one shard file on finish().
class ShardWriter {
 public:
  // block_bytes: token bytes per checked block (a positive multiple of 8); index_block_entries:
  // offsets per checked index block (positive). Both small in tests.
  ShardWriter(std::string path, int64_t vocab_size, uint64_t block_bytes = kShardBlockBytes,
              uint64_t index_block_entries = kIndexBlockEntries);
  void begin_document();
  void add_sentence(const int32_t* tokens, size_t count);  // ids must be < vocab_size
  void add_sentence(const std::vector<int32_t>& tokens) { add_sentence(tokens.data(), tokens.size()); }
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
  uint64_t index_block_entries_;
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
  uint64_t sentence_begin(uint64_t s) const { return at(offsets_[kSentences], s); }
  // Sentence offsets of document d: [document_begin(d), document_begin(d + 1)).
  uint64_t document_begin(uint64_t d) const { return at(offsets_[kDocuments], d); }
  // Token offsets of document d: [document_token_begin(d), document_token_begin(d + 1)).
  uint64_t document_token_begin(uint64_t d) const { return at(offsets_[kDocumentTokens], d); }
  // The sentence holding token t (< num_tokens), the document holding sentence s, the document
  // holding token t: a search of the tables, then of one index block.
  uint64_t sentence_of(uint64_t t) const;
  uint64_t document_of(uint64_t s) const;
  uint64_t document_of_token(uint64_t t) const;
  // Tells the kernel that tokens [begin, end) will be read soon (their blocks not yet checked,
  // and the document token index block of `begin`): the reads start now, in the background, so
  // a batch's samples arrive in one round of disk latency instead of one after another.
  void will_need(uint64_t begin, uint64_t end) const;
  // The same before the shard is opened, from what the manifest says of it (counts, dtype, block
  // and file size): the header, the tables, the document token index block guessed from each
  // range's position (and its neighbours) and the ranges' token blocks, all requested at once.
  // Opening then finds them read or on their way: a cold start waits one round of disk latency
  // for all of it, not one per dependent read. Hints only: a wrong guess costs a read.
  struct Extent {
    uint64_t tokens = 0, sentences = 0, documents = 0, dtype_bytes = 0, block_bytes = 0, file_bytes = 0;
  };
  static void will_need_unopened(const std::string& path, const Extent& extent,
                                 const std::vector<std::pair<uint64_t, uint64_t>>& ranges);
  // Appends tokens [begin, end) to out, after checking any block of them not yet checked.
  void append_tokens(uint64_t begin, uint64_t end, std::vector<int32_t>& out) const;
  uint64_t block_bytes() const { return header_.block_bytes; }
  uint32_t index_crc() const { return static_cast<uint32_t>(header_.index_crc); }
  uint64_t num_blocks() const { return num_blocks_; }
  // Checks the whole index and token blocks [first, end) now (those not yet checked).
  void verify_blocks_now(uint64_t first, uint64_t end) const;
  uint64_t blocks_verified() const;  // how many blocks have been read and checked so far
  bool block_verified(uint64_t k) const { return verified_[k].load(std::memory_order_acquire); }

 private:
  std::string path_;
  int fd_ = -1;
  void* map_ = nullptr;
  size_t map_bytes_ = 0;
  // One offset array (sentence or document boundaries) and its per-block tables.
  struct Offsets {
    const char* what = "";             // "sentence" or "document", for messages
    const uint64_t* entries = nullptr;  // [count], in the map; read only after its block is checked
    uint64_t count = 0;
    uint64_t file_offset = 0;
    uint64_t limit = 0;                 // the last offset's value (the token or sentence count)
    const uint64_t* first = nullptr;    // [blocks] each block's first offset (checked at open)
    const uint32_t* crc = nullptr;      // [blocks]
    uint64_t blocks = 0;
    std::unique_ptr<std::atomic<bool>[]> verified;
  };
  uint64_t at(const Offsets& o, uint64_t i) const {
    const uint64_t k = i / header_.index_block_entries;
    if (!o.verified[k].load(std::memory_order_acquire)) verify_offsets(o, k);
    return o.entries[i];
  }
  uint64_t upper_bound(const Offsets& o, uint64_t value) const;  // the first i with offset i > value
  // The index block holding the offsets around `value`: the last whose first offset is <= value.
  static uint64_t block_of(const Offsets& o, uint64_t value);
  void verify_offsets(const Offsets& o, uint64_t block) const;

  ShardHeader header_{};
  enum { kSentences, kDocuments, kDocumentTokens };
  Offsets offsets_[3];
  const uint32_t* block_crc_ = nullptr;
  const void* tokens_ = nullptr;
  uint64_t tokens_file_offset_ = 0;
  uint64_t num_blocks_ = 0;
  std::unique_ptr<std::atomic<bool>[]> verified_;
  std::vector<char> tables_;  // the tables, read and checked at open

  void verify_blocks(uint64_t first_byte, uint64_t end_byte) const;
  void read_at(uint64_t offset, size_t bytes, std::vector<char>& buffer) const;  // pread, all of it
};

}  // namespace roberta::data
