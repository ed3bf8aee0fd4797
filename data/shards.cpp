// Shard files: writing (in memory, then one sequential write) and memory-mapped reading
// with integrity checks. Layout in shards.h.
#include "data/shards.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "util/crc32c.h"
#include "util/error.h"

namespace roberta::data {
namespace {

size_t pad8(size_t bytes) { return (bytes + 7) / 8 * 8; }


uint64_t num_blocks_for(uint64_t token_bytes, uint64_t block_bytes) {
  return (token_bytes + block_bytes - 1) / block_bytes;
}

// Bytes of the index (offsets and block CRC table) and of the whole body after the header.
size_t index_bytes(uint64_t sentences, uint64_t documents, uint64_t blocks) {
  return (sentences + 1) * 8 + (documents + 1) * 8 + pad8(blocks * 4);
}

}  // namespace

ShardWriter::ShardWriter(std::string path, int64_t vocab_size, uint64_t block_bytes)
    : path_(std::move(path)), vocab_size_(vocab_size), dtype_bytes_(vocab_size <= 65536 ? 2 : 4),
      block_bytes_(block_bytes) {
  if (block_bytes_ == 0 || block_bytes_ % 8 != 0) {
    fail("{}: block size: expected a positive multiple of 8 bytes, found {}", path_, block_bytes_);
  }
}

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
  header.block_bytes = block_bytes_;
  const uint64_t token_section = tokens_.size() * dtype_bytes_;
  std::vector<uint32_t> block_crc(num_blocks_for(token_section, block_bytes_));
  for (size_t k = 0; k < block_crc.size(); ++k) {
    const uint64_t begin = k * block_bytes_;
    block_crc[k] = crc32c(token_bytes.data() + begin, std::min(block_bytes_, token_section - begin));
  }
  block_crc.resize(pad8(block_crc.size() * 4) / 4, 0);
  header.sentence_crc = crc32c(sentence_offsets_.data(), sentence_offsets_.size() * 8);
  const uint32_t crc = crc32c(document_offsets_.data(), document_offsets_.size() * 8);
  header.index_crc = crc32c_extend(crc, block_crc.data(), block_crc.size() * 4);

  const std::string tmp = path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail("{}: cannot open for writing", tmp);
    out.write(reinterpret_cast<const char*>(&header), sizeof(header));
    out.write(reinterpret_cast<const char*>(sentence_offsets_.data()), sentence_offsets_.size() * 8);
    out.write(reinterpret_cast<const char*>(document_offsets_.data()), document_offsets_.size() * 8);
    out.write(reinterpret_cast<const char*>(block_crc.data()), block_crc.size() * 4);
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
  if (map_ == MAP_FAILED) {
    map_ = nullptr;
    ::close(fd);
    fail("{}: mmap failed: {}", path, std::strerror(errno));
  }
  fd_ = fd;  // kept for the checks, which read with pread (shards.h)
  std::memcpy(&header_, map_, sizeof(header_));
  auto cleanup_fail = [&](const std::string& what) {
    ::munmap(map_, map_bytes_);
    map_ = nullptr;
    ::close(fd_);
    fd_ = -1;
    fail("{}: {}", path, what);
  };
  if (std::memcmp(header_.magic, kShardMagic, 8) != 0) {
    cleanup_fail("not a token shard: expected magic RBTSHARD");
  }
  if (header_.version != kShardVersion) {
    cleanup_fail(fmt::format("shard version: expected {}, found {} (written by an older roberta: run "
                             "`roberta preprocess` again)", kShardVersion, header_.version));
  }
  if (header_.dtype_bytes != 2 && header_.dtype_bytes != 4) {
    cleanup_fail(fmt::format("dtype: expected 2 or 4 bytes, found {}", header_.dtype_bytes));
  }
  if (header_.block_bytes == 0 || header_.block_bytes % 8 != 0) {
    cleanup_fail(fmt::format("damaged shard header: block size {} is not a positive multiple of 8",
                             header_.block_bytes));
  }
  // Counts from a damaged header could overflow the size computation below and make a short
  // file look complete; every entry takes at least one byte, so no count can exceed the file.
  if (header_.num_tokens > map_bytes_ || header_.num_sentences > map_bytes_ ||
      header_.num_documents > map_bytes_) {
    cleanup_fail(fmt::format("damaged shard header: counts ({} tokens, {} sentences, {} documents) "
                             "exceed the file size {}", header_.num_tokens, header_.num_sentences,
                             header_.num_documents, map_bytes_));
  }
  const uint64_t token_section = header_.num_tokens * header_.dtype_bytes;
  num_blocks_ = num_blocks_for(token_section, header_.block_bytes);
  const size_t index = index_bytes(header_.num_sentences, header_.num_documents, num_blocks_);
  const size_t expected = sizeof(ShardHeader) + index + pad8(token_section);
  if (map_bytes_ != expected) {
    cleanup_fail(fmt::format("truncated or damaged shard: expected {} bytes, found {}", expected, map_bytes_));
  }
  const char* body = static_cast<const char*>(map_) + sizeof(ShardHeader);
  const size_t sentence_bytes = (header_.num_sentences + 1) * 8;
  const uint32_t index_crc = crc32c(body + sentence_bytes, index - sentence_bytes);
  if (index_crc != header_.index_crc) {
    cleanup_fail(fmt::format("index checksum mismatch (document offsets and block table, bytes {}..{}): expected "
                             "CRC-32C {:08x}, found {:08x}", sizeof(ShardHeader) + sentence_bytes,
                             sizeof(ShardHeader) + index, header_.index_crc, index_crc));
  }
  sentence_offsets_ = reinterpret_cast<const uint64_t*>(body);
  document_offsets_ = sentence_offsets_ + header_.num_sentences + 1;
  block_crc_ = reinterpret_cast<const uint32_t*>(document_offsets_ + header_.num_documents + 1);
  tokens_file_offset_ = sizeof(ShardHeader) + index;
  tokens_ = static_cast<const char*>(map_) + tokens_file_offset_;
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
  check_offsets(document_offsets_, header_.num_documents, "document");
  verified_ = std::make_unique<std::atomic<bool>[]>(num_blocks_);
  for (uint64_t k = 0; k < num_blocks_; ++k) verified_[k].store(false, std::memory_order_relaxed);
}

ShardReader::~ShardReader() {
  if (map_) ::munmap(map_, map_bytes_);
  if (fd_ >= 0) ::close(fd_);
}

void ShardReader::read_at(uint64_t offset, size_t bytes, std::vector<char>& buffer) const {
  buffer.resize(bytes);
  size_t done = 0;
  while (done < bytes) {
    const ssize_t got = ::pread(fd_, buffer.data() + done, bytes - done, static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      fail("{}: cannot read bytes {}..{}: {}", path_, offset + done, offset + bytes,
           got < 0 ? std::strerror(errno) : "the file is shorter than when it was opened");
    }
    done += static_cast<size_t>(got);
  }
}

void ShardReader::verify_sentences() const {
  // Two threads may check at once; both compute the same answer.
  // Read in large pieces with pread (a cold index arrives at disk speed, not a fault per page),
  // checking the CRC and that the offsets start at 0 and never decrease: readers slice tokens by
  // them without further checks (each then lies within the token count, as the last one was
  // checked at open).
  constexpr uint64_t kPiece = 4 << 20;  // bytes, a multiple of 8
  const uint64_t entries = header_.num_sentences + 1;
  thread_local std::vector<char> buffer;
  uint32_t crc = 0;
  uint64_t previous = 0;
  for (uint64_t first = 0; first < entries; first += kPiece / 8) {
    const uint64_t count = std::min(kPiece / 8, entries - first);
    read_at(sizeof(ShardHeader) + first * 8, count * 8, buffer);
    crc = crc32c_extend(crc, buffer.data(), count * 8);
    const auto* offsets = reinterpret_cast<const uint64_t*>(buffer.data());
    for (uint64_t i = 0; i < count; ++i) {
      if (first + i == 0 && offsets[i] != 0) {
        fail("{}: inconsistent index: sentence offsets start at {}, expected 0", path_, offsets[i]);
      }
      if (offsets[i] < previous) {
        fail("{}: inconsistent index: sentence offset {} is {}, below the previous {}", path_, first + i, offsets[i],
             previous);
      }
      previous = offsets[i];
    }
  }
  if (crc != header_.sentence_crc) {
    fail("{}: sentence index checksum mismatch (bytes {}..{}): expected CRC-32C {:08x}, found {:08x}; the file "
         "changed after `roberta preprocess` wrote it: run it again", path_, sizeof(ShardHeader),
         sizeof(ShardHeader) + entries * 8, header_.sentence_crc, crc);
  }
  sentences_verified_.store(true, std::memory_order_release);
}

uint64_t ShardReader::sentence_of(uint64_t t) const {
  if (!sentences_verified_.load(std::memory_order_acquire)) verify_sentences();
  const uint64_t* end = sentence_offsets_ + header_.num_sentences + 1;
  return static_cast<uint64_t>(std::upper_bound(sentence_offsets_, end, t) - sentence_offsets_) - 1;
}

uint64_t ShardReader::document_of(uint64_t s) const {
  const uint64_t* end = document_offsets_ + header_.num_documents + 1;
  return static_cast<uint64_t>(std::upper_bound(document_offsets_, end, s) - document_offsets_) - 1;
}

uint64_t ShardReader::blocks_verified() const {
  uint64_t n = 0;
  for (uint64_t k = 0; k < num_blocks_; ++k) n += verified_[k].load(std::memory_order_acquire);
  return n;
}

void ShardReader::verify_blocks(uint64_t first_byte, uint64_t end_byte) const {
  const uint64_t token_section = header_.num_tokens * header_.dtype_bytes;
  for (uint64_t k = first_byte / header_.block_bytes; k * header_.block_bytes < end_byte; ++k) {
    if (verified_[k].load(std::memory_order_acquire)) continue;
    // Two threads may check the same block at once; both compute the same answer.
    const uint64_t begin = k * header_.block_bytes;
    const uint64_t bytes = std::min(header_.block_bytes, token_section - begin);
    // One pread of the whole block: a cold block arrives in one read at disk speed (through the
    // map it would come a fault at a time), and lands in the page cache where the map finds it.
    thread_local std::vector<char> buffer;
    read_at(tokens_file_offset_ + begin, bytes, buffer);
    const uint32_t crc = crc32c(buffer.data(), bytes);
    if (crc != block_crc_[k]) {
      fail("{}: corrupt token block {} of {} (file bytes {}..{}): expected CRC-32C {:08x}, found {:08x}; "
           "the file changed after `roberta preprocess` wrote it: run it again", path_, k, num_blocks_,
           tokens_file_offset_ + begin, tokens_file_offset_ + begin + bytes, block_crc_[k], crc);
    }
#ifdef MADV_POPULATE_READ
    // The block is in the page cache now: map all of it into this process at once, instead of
    // a minor fault per page as samples are read from it (Linux 5.14+; an older kernel refuses
    // the hint and the faults happen as before).
    const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    const uint64_t first_page = (tokens_file_offset_ + begin) / page * page;
    ::madvise(static_cast<char*>(map_) + first_page, tokens_file_offset_ + begin + bytes - first_page,
              MADV_POPULATE_READ);
#endif
    verified_[k].store(true, std::memory_order_release);
  }
}

void ShardReader::verify_blocks_now(uint64_t first, uint64_t end) const {
  if (!sentences_verified_.load(std::memory_order_acquire)) verify_sentences();
  const uint64_t token_section = header_.num_tokens * header_.dtype_bytes;
  end = std::min(end, num_blocks_);
  if (first >= end) return;
  verify_blocks(first * header_.block_bytes, std::min(end * header_.block_bytes, token_section));
}

void ShardReader::append_tokens(uint64_t begin, uint64_t end, std::vector<int32_t>& out) const {
  if (begin >= end) return;
  verify_blocks(begin * header_.dtype_bytes, end * header_.dtype_bytes);
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
