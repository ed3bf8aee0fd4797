// Shard files: writing (in memory, then one sequential write) and memory-mapped reading
// with integrity checks. Layout in shards.h.
#include "data/shards.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "util/error.h"

namespace roberta::data {
namespace {

size_t pad8(size_t bytes) { return (bytes + 7) / 8 * 8; }

// Bytes of the body (everything after the header) for the given counts.
size_t body_bytes(uint64_t tokens, uint64_t sentences, uint64_t documents, uint32_t dtype) {
  return (sentences + 1) * 8 + (documents + 1) * 8 + pad8(tokens * dtype);
}

}  // namespace

uint64_t fnv1a(const void* data, size_t bytes, uint64_t hash) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < bytes; ++i) {
    hash ^= p[i];
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

ShardWriter::ShardWriter(std::string path, int64_t vocab_size)
    : path_(std::move(path)), vocab_size_(vocab_size), dtype_bytes_(vocab_size <= 65536 ? 2 : 4) {}

void ShardWriter::begin_document() {
  if (in_document_ && sentence_offsets_.size() - 1 == document_offsets_.back()) {
    return;  // the previous document is empty: reuse it
  }
  if (in_document_) document_offsets_.push_back(sentence_offsets_.size() - 1);
  in_document_ = true;
}

void ShardWriter::add_sentence(const std::vector<int32_t>& tokens) {
  if (!in_document_) begin_document();
  if (tokens.empty()) return;
  for (int32_t id : tokens) {
    if (id < 0 || id >= vocab_size_) {
      fail("{}: token id {} outside the vocabulary [0, {})", path_, id, vocab_size_);
    }
    tokens_.push_back(static_cast<uint32_t>(id));
  }
  sentence_offsets_.push_back(tokens_.size());
}

void ShardWriter::finish() {
  // Close the last document unless it is empty.
  if (in_document_ && sentence_offsets_.size() - 1 > document_offsets_.back()) {
    document_offsets_.push_back(sentence_offsets_.size() - 1);
  }
  in_document_ = false;

  std::vector<char> token_bytes(pad8(tokens_.size() * dtype_bytes_), 0);
  if (dtype_bytes_ == 2) {
    auto* out = reinterpret_cast<uint16_t*>(token_bytes.data());
    for (size_t i = 0; i < tokens_.size(); ++i) out[i] = static_cast<uint16_t>(tokens_[i]);
  } else {
    std::memcpy(token_bytes.data(), tokens_.data(), tokens_.size() * 4);
  }
  ShardHeader header{};
  std::memcpy(header.magic, kShardMagic, 8);
  header.version = kShardVersion;
  header.dtype_bytes = dtype_bytes_;
  header.num_tokens = tokens_.size();
  header.num_sentences = sentence_offsets_.size() - 1;
  header.num_documents = document_offsets_.size() - 1;
  uint64_t hash = fnv1a(sentence_offsets_.data(), sentence_offsets_.size() * 8);
  hash = fnv1a(document_offsets_.data(), document_offsets_.size() * 8, hash);
  header.checksum = fnv1a(token_bytes.data(), token_bytes.size(), hash);

  const std::string tmp = path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail("{}: cannot open for writing", tmp);
    out.write(reinterpret_cast<const char*>(&header), sizeof(header));
    out.write(reinterpret_cast<const char*>(sentence_offsets_.data()), sentence_offsets_.size() * 8);
    out.write(reinterpret_cast<const char*>(document_offsets_.data()), document_offsets_.size() * 8);
    out.write(token_bytes.data(), token_bytes.size());
    out.close();  // the last buffered bytes are written here: check after it
    if (!out) fail("{}: write failed (disk full?): {}", tmp, std::strerror(errno));
  }
  std::filesystem::rename(tmp, path_);
}

ShardReader::ShardReader(const std::string& path) : path_(path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) fail("{}: cannot open shard: {}", path, std::strerror(errno));
  struct stat st {};
  ::fstat(fd, &st);
  map_bytes_ = static_cast<size_t>(st.st_size);
  if (map_bytes_ < sizeof(ShardHeader)) {
    ::close(fd);
    fail("{}: truncated shard: expected at least {} header bytes, found {} bytes", path,
         sizeof(ShardHeader), map_bytes_);
  }
  map_ = ::mmap(nullptr, map_bytes_, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (map_ == MAP_FAILED) {
    map_ = nullptr;
    fail("{}: mmap failed: {}", path, std::strerror(errno));
  }
  std::memcpy(&header_, map_, sizeof(header_));
  auto cleanup_fail = [&](const std::string& what) {
    ::munmap(map_, map_bytes_);
    map_ = nullptr;
    fail("{}: {}", path, what);
  };
  if (std::memcmp(header_.magic, kShardMagic, 8) != 0) {
    cleanup_fail("not a token shard: expected magic RBTSHARD");
  }
  if (header_.version != kShardVersion) {
    cleanup_fail(fmt::format("shard version: expected {}, found {}", kShardVersion, header_.version));
  }
  if (header_.dtype_bytes != 2 && header_.dtype_bytes != 4) {
    cleanup_fail(fmt::format("dtype: expected 2 or 4 bytes, found {}", header_.dtype_bytes));
  }
  // Counts from a damaged header could overflow the size computation below and make a short
  // file look complete; every entry takes at least one byte, so no count can exceed the file.
  if (header_.num_tokens > map_bytes_ || header_.num_sentences > map_bytes_ ||
      header_.num_documents > map_bytes_) {
    cleanup_fail(fmt::format("damaged shard header: counts ({} tokens, {} sentences, {} documents) "
                             "exceed the file size {}", header_.num_tokens, header_.num_sentences,
                             header_.num_documents, map_bytes_));
  }
  const size_t expected = sizeof(ShardHeader) + body_bytes(header_.num_tokens, header_.num_sentences,
                                                           header_.num_documents, header_.dtype_bytes);
  if (map_bytes_ != expected) {
    cleanup_fail(fmt::format("truncated or damaged shard: expected {} bytes, found {}", expected, map_bytes_));
  }
  const char* body = static_cast<const char*>(map_) + sizeof(ShardHeader);
  const uint64_t checksum = fnv1a(body, map_bytes_ - sizeof(ShardHeader));
  if (checksum != header_.checksum) {
    cleanup_fail(fmt::format("checksum mismatch: expected {:016x}, found {:016x}", header_.checksum, checksum));
  }
  sentence_offsets_ = reinterpret_cast<const uint64_t*>(body);
  document_offsets_ = sentence_offsets_ + header_.num_sentences + 1;
  tokens_ = document_offsets_ + header_.num_documents + 1;
  if (sentence_offsets_[header_.num_sentences] != header_.num_tokens ||
      document_offsets_[header_.num_documents] != header_.num_sentences) {
    cleanup_fail("inconsistent index: the last offsets do not match the counts");
  }
  // Readers slice tokens by these offsets without further checks: they must start at 0 and
  // never decrease (then each lies within the counts, as the last ones were checked above).
  auto check_offsets = [&](const uint64_t* offsets, uint64_t n, const char* what) {
    if (offsets[0] != 0) cleanup_fail(fmt::format("inconsistent index: {} offsets start at {}, expected 0", what, offsets[0]));
    for (uint64_t i = 1; i <= n; ++i) {
      if (offsets[i] < offsets[i - 1]) {
        cleanup_fail(fmt::format("inconsistent index: {} offset {} is {}, below the previous {}", what, i,
                                 offsets[i], offsets[i - 1]));
      }
    }
  };
  check_offsets(sentence_offsets_, header_.num_sentences, "sentence");
  check_offsets(document_offsets_, header_.num_documents, "document");
  ::madvise(map_, map_bytes_, MADV_RANDOM);
}

ShardReader::~ShardReader() {
  if (map_) ::munmap(map_, map_bytes_);
}

void ShardReader::append_tokens(uint64_t begin, uint64_t end, std::vector<int32_t>& out) const {
  out.reserve(out.size() + (end - begin));
  if (header_.dtype_bytes == 2) {
    const auto* p = static_cast<const uint16_t*>(tokens_);
    out.insert(out.end(), p + begin, p + end);
  } else {
    const auto* p = static_cast<const uint32_t*>(tokens_);
    for (uint64_t i = begin; i < end; ++i) out.push_back(static_cast<int32_t>(p[i]));
  }
}

}  // namespace roberta::data
