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

uint64_t blocks_of(uint64_t entries, uint64_t per_block) { return (entries + per_block - 1) / per_block; }

// Bytes of the tables (first offsets, index block CRCs, token block CRCs): what opening reads.
size_t table_bytes(const uint64_t (&index_blocks)[3], uint64_t token_blocks) {
  size_t bytes = pad8(token_blocks * 4);
  for (uint64_t blocks : index_blocks) bytes += blocks * 8 + pad8(blocks * 4);
  return bytes;
}

// Per-block first offsets and CRCs of one offset array (the writer's side of Offsets).
void index_tables(const std::vector<uint64_t>& offsets, uint64_t per_block, std::vector<uint64_t>& first,
                  std::vector<uint32_t>& crc) {
  const uint64_t blocks = blocks_of(offsets.size(), per_block);
  first.resize(blocks);
  crc.resize(pad8(blocks * 4) / 4, 0);
  for (uint64_t k = 0; k < blocks; ++k) {
    const uint64_t begin = k * per_block, n = std::min<uint64_t>(per_block, offsets.size() - begin);
    first[k] = offsets[begin];
    crc[k] = crc32c(offsets.data() + begin, n * 8);
  }
}

}  // namespace

ShardWriter::ShardWriter(std::string path, int64_t vocab_size, uint64_t block_bytes, uint64_t index_block_entries)
    : path_(std::move(path)), vocab_size_(vocab_size), dtype_bytes_(vocab_size <= 65536 ? 2 : 4),
      block_bytes_(block_bytes), index_block_entries_(index_block_entries) {
  if (block_bytes_ == 0 || block_bytes_ % 8 != 0) {
    fail("{}: block size: expected a positive multiple of 8 bytes, found {}", path_, block_bytes_);
  }
  if (index_block_entries_ == 0) fail("{}: index block: expected at least one offset per block, found 0", path_);
}

void ShardWriter::begin_document() {
  if (in_document_ && sentence_offsets_.size() - 1 == document_offsets_.back()) {
    return;  // the previous document is empty: reuse it
  }
  if (in_document_) document_offsets_.push_back(sentence_offsets_.size() - 1);
  in_document_ = true;
}

void ShardWriter::add_sentence(const int32_t* tokens, size_t count) {
  if (!in_document_) begin_document();
  if (count == 0) return;
  const size_t at = tokens_.size();
  tokens_.resize(at + count);
  uint32_t* out = tokens_.data() + at;
  for (size_t i = 0; i < count; ++i) {
    if (tokens[i] < 0 || tokens[i] >= vocab_size_) {
      tokens_.resize(at);
      fail("{}: token id {} outside the vocabulary [0, {})", path_, tokens[i], vocab_size_);
    }
    out[i] = static_cast<uint32_t>(tokens[i]);
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
  header.index_block_entries = index_block_entries_;
  const uint64_t token_section = tokens_.size() * dtype_bytes_;
  std::vector<uint32_t> block_crc(num_blocks_for(token_section, block_bytes_));
  for (size_t k = 0; k < block_crc.size(); ++k) {
    const uint64_t begin = k * block_bytes_;
    block_crc[k] = crc32c(token_bytes.data() + begin, std::min(block_bytes_, token_section - begin));
  }
  block_crc.resize(pad8(block_crc.size() * 4) / 4, 0);
  // The offset arrays, in file order: sentences (token offsets), documents (sentence offsets),
  // documents again (token offsets).
  std::vector<uint64_t> document_tokens(document_offsets_.size());
  for (size_t d = 0; d < document_offsets_.size(); ++d) document_tokens[d] = sentence_offsets_[document_offsets_[d]];
  const std::vector<uint64_t>* arrays[3] = {&sentence_offsets_, &document_offsets_, &document_tokens};
  std::vector<uint64_t> first[3];
  std::vector<uint32_t> index_crc[3];
  for (int a = 0; a < 3; ++a) index_tables(*arrays[a], index_block_entries_, first[a], index_crc[a]);
  uint32_t crc = 0;
  for (int a = 0; a < 3; ++a) crc = crc32c_extend(crc, first[a].data(), first[a].size() * 8);
  for (int a = 0; a < 3; ++a) crc = crc32c_extend(crc, index_crc[a].data(), index_crc[a].size() * 4);
  header.index_crc = crc32c_extend(crc, block_crc.data(), block_crc.size() * 4);

  const std::string tmp = path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail("{}: cannot open for writing", tmp);
    out.write(reinterpret_cast<const char*>(&header), sizeof(header));
    for (const auto* array : arrays) out.write(reinterpret_cast<const char*>(array->data()), array->size() * 8);
    for (const auto& f : first) out.write(reinterpret_cast<const char*>(f.data()), f.size() * 8);
    for (const auto& c : index_crc) out.write(reinterpret_cast<const char*>(c.data()), c.size() * 4);
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
  if (header_.index_block_entries == 0) {
    cleanup_fail(fmt::format("damaged shard header: {} offsets per index block", header_.index_block_entries));
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
  const uint64_t per_block = header_.index_block_entries;
  const uint64_t counts[3] = {header_.num_sentences + 1, header_.num_documents + 1, header_.num_documents + 1};
  const uint64_t limits[3] = {header_.num_tokens, header_.num_sentences, header_.num_tokens};
  const uint64_t index_blocks[3] = {blocks_of(counts[0], per_block), blocks_of(counts[1], per_block),
                                    blocks_of(counts[2], per_block)};
  const uint64_t offsets_bytes = (counts[0] + counts[1] + counts[2]) * 8;
  const uint64_t tables = table_bytes(index_blocks, num_blocks_);
  const size_t expected = sizeof(ShardHeader) + offsets_bytes + tables + pad8(token_section);
  if (map_bytes_ != expected) {
    cleanup_fail(fmt::format("truncated or damaged shard: expected {} bytes, found {}", expected, map_bytes_));
  }
  // The tables: one small pread (a cold file gives them in one read), then the CRC.
  const uint64_t tables_offset = sizeof(ShardHeader) + offsets_bytes;
  try {
    read_at(tables_offset, tables, tables_);
  } catch (const Error& e) {
    cleanup_fail(e.what());
  }
  const uint32_t index_crc = crc32c(tables_.data(), tables);
  if (index_crc != header_.index_crc) {
    cleanup_fail(fmt::format("index checksum mismatch (block tables, bytes {}..{}): expected CRC-32C {:08x}, found "
                             "{:08x}", tables_offset, tables_offset + tables, header_.index_crc, index_crc));
  }
  const char* table = tables_.data();
  const auto* body = reinterpret_cast<const uint64_t*>(static_cast<const char*>(map_) + sizeof(ShardHeader));
  auto setup = [&](Offsets& o, const char* what, const uint64_t* entries, uint64_t count, uint64_t limit,
                   uint64_t blocks, const uint64_t* first, const uint32_t* crc) {
    o.what = what;
    o.entries = entries;
    o.count = count;
    o.file_offset = sizeof(ShardHeader) + static_cast<uint64_t>(reinterpret_cast<const char*>(entries) -
                                                               reinterpret_cast<const char*>(body));
    o.limit = limit;
    o.first = first;
    o.crc = crc;
    o.blocks = blocks;
    o.verified = std::make_unique<std::atomic<bool>[]>(blocks);
    for (uint64_t k = 0; k < blocks; ++k) o.verified[k].store(false, std::memory_order_relaxed);
    // Readers slice by offsets after their block's check, which holds each block between its
    // first offset and the next block's: the first offsets must start at 0, never decrease and
    // stay within the limit.
    for (uint64_t k = 0; k < blocks; ++k) {
      if ((k == 0 && first[0] != 0) || (k > 0 && first[k] < first[k - 1]) || first[k] > limit) {
        cleanup_fail(fmt::format("inconsistent index: {} index block {} starts at offset {} (expected {} 0..{}, "
                                 "never decreasing)", what, k, first[k], k == 0 ? "0, within" : "within", limit));
      }
    }
  };
  const char* const names[3] = {"sentence", "document", "document token"};
  const uint64_t* entries = body;
  const auto* first = reinterpret_cast<const uint64_t*>(table);
  const auto* crc = reinterpret_cast<const uint32_t*>(first + index_blocks[0] + index_blocks[1] + index_blocks[2]);
  for (int a = 0; a < 3; ++a) {
    setup(offsets_[a], names[a], entries, counts[a], limits[a], index_blocks[a], first, crc);
    entries += counts[a];
    first += index_blocks[a];
    crc += pad8(index_blocks[a] * 4) / 4;
  }
  block_crc_ = crc;
  tokens_file_offset_ = tables_offset + tables;
  tokens_ = static_cast<const char*>(map_) + tokens_file_offset_;
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

void ShardReader::verify_offsets(const Offsets& o, uint64_t k) const {
  // Two threads may check the same block at once; both compute the same answer.
  const uint64_t per_block = header_.index_block_entries;
  const uint64_t begin = k * per_block, count = std::min(per_block, o.count - begin);
  const uint64_t file_begin = o.file_offset + begin * 8, file_end = file_begin + count * 8;
  thread_local std::vector<char> buffer;
  read_at(file_begin, count * 8, buffer);
  const uint32_t crc = crc32c(buffer.data(), count * 8);
  if (crc != o.crc[k]) {
    fail("{}: corrupt {} index block {} of {} (file bytes {}..{}): expected CRC-32C {:08x}, found {:08x}; the file "
         "changed after `roberta preprocess` wrote it: run it again", path_, o.what, k, o.blocks, file_begin, file_end,
         o.crc[k], crc);
  }
  // Readers slice by these offsets without further checks: each block starts at its first
  // offset, never decreases and stays below the next block's first (the last ends at the limit).
  const auto* offsets = reinterpret_cast<const uint64_t*>(buffer.data());
  const uint64_t ceiling = k + 1 < o.blocks ? o.first[k + 1] : o.limit;
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t floor = i == 0 ? o.first[k] : offsets[i - 1];
    if ((i == 0 && offsets[0] != floor) || offsets[i] < floor || offsets[i] > ceiling) {
      fail("{}: inconsistent index: {} offset {} is {}, expected {}..{}", path_, o.what, begin + i, offsets[i], floor,
           ceiling);
    }
  }
  if (k + 1 == o.blocks && offsets[count - 1] != o.limit) {
    fail("{}: inconsistent index: the last {} offset is {}, expected {}", path_, o.what, offsets[count - 1], o.limit);
  }
  o.verified[k].store(true, std::memory_order_release);
}

uint64_t ShardReader::block_of(const Offsets& o, uint64_t value) {
  return static_cast<uint64_t>(std::upper_bound(o.first, o.first + o.blocks, value) - o.first) - 1;
}

uint64_t ShardReader::upper_bound(const Offsets& o, uint64_t value) const {
  // The block (from the tables, checked at open), then one search inside it.
  const uint64_t k = block_of(o, value);
  const uint64_t begin = k * header_.index_block_entries;
  const uint64_t end = std::min(o.count, begin + header_.index_block_entries);
  at(o, begin);  // checks the block
  return static_cast<uint64_t>(std::upper_bound(o.entries + begin, o.entries + end, value) - o.entries);
}

uint64_t ShardReader::sentence_of(uint64_t t) const { return upper_bound(offsets_[kSentences], t) - 1; }

uint64_t ShardReader::document_of(uint64_t s) const { return upper_bound(offsets_[kDocuments], s) - 1; }

uint64_t ShardReader::document_of_token(uint64_t t) const { return upper_bound(offsets_[kDocumentTokens], t) - 1; }

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
  for (const Offsets& o : offsets_) {
    for (uint64_t k = 0; k < o.blocks; ++k) at(o, k * header_.index_block_entries);
  }
  const uint64_t token_section = header_.num_tokens * header_.dtype_bytes;
  end = std::min(end, num_blocks_);
  if (first >= end) return;
  verify_blocks(first * header_.block_bytes, std::min(end * header_.block_bytes, token_section));
}

void ShardReader::will_need(uint64_t begin, uint64_t end) const {
  if (begin >= end) return;
  const Offsets& o = offsets_[kDocumentTokens];
  const uint64_t k = block_of(o, begin);
  if (!o.verified[k].load(std::memory_order_acquire)) {
    const uint64_t first = k * header_.index_block_entries;
    ::posix_fadvise(fd_, static_cast<off_t>(o.file_offset + first * 8),
                    static_cast<off_t>(std::min(header_.index_block_entries, o.count - first) * 8), POSIX_FADV_WILLNEED);
  }
  const uint64_t token_section = header_.num_tokens * header_.dtype_bytes;
  for (uint64_t b = begin * header_.dtype_bytes / header_.block_bytes; b * header_.block_bytes < end * header_.dtype_bytes;
       ++b) {
    if (verified_[b].load(std::memory_order_acquire)) continue;
    const uint64_t at = b * header_.block_bytes;
    ::posix_fadvise(fd_, static_cast<off_t>(tokens_file_offset_ + at),
                    static_cast<off_t>(std::min(header_.block_bytes, token_section - at)), POSIX_FADV_WILLNEED);
  }
}

void ShardReader::will_need_unopened(const std::string& path, const Extent& e,
                                     const std::vector<std::pair<uint64_t, uint64_t>>& ranges) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;  // opening the shard proper reports it
  const uint64_t token_bytes = e.tokens * e.dtype_bytes;
  const uint64_t offsets_bytes = (e.sentences + 1 + 2 * (e.documents + 1)) * 8;
  const uint64_t tables_at = sizeof(ShardHeader) + offsets_bytes;
  const uint64_t tokens_at = e.file_bytes - pad8(token_bytes);  // the last section
  if (e.file_bytes < pad8(token_bytes) || tokens_at < tables_at || e.block_bytes == 0) {
    ::close(fd);
    return;  // not what the manifest says: opening reports it
  }
  auto hint = [&](uint64_t at, uint64_t bytes) {
    ::posix_fadvise(fd, static_cast<off_t>(at), static_cast<off_t>(bytes), POSIX_FADV_WILLNEED);
  };
  hint(0, sizeof(ShardHeader));
  hint(tables_at, tokens_at - tables_at);
  const uint64_t doc_tokens_at = sizeof(ShardHeader) + (e.sentences + 1 + e.documents + 1) * 8;
  const uint64_t index_blocks = blocks_of(e.documents + 1, kIndexBlockEntries);
  for (const auto& [begin, end] : ranges) {
    if (begin >= end || end > e.tokens) continue;
    // Documents spread evenly: the block of the document at this share of the tokens, +-1.
    const uint64_t guess = static_cast<uint64_t>(double(begin) / double(e.tokens) * double(e.documents)) /
                           kIndexBlockEntries;
    const uint64_t first = guess > 0 ? guess - 1 : 0, last = std::min(guess + 2, index_blocks);
    if (first < last) {
      hint(doc_tokens_at + first * kIndexBlockEntries * 8,
           std::min((last - first) * kIndexBlockEntries, e.documents + 1 - first * kIndexBlockEntries) * 8);
    }
    const uint64_t from = begin * e.dtype_bytes / e.block_bytes * e.block_bytes;
    const uint64_t to = std::min(blocks_of(end * e.dtype_bytes, e.block_bytes) * e.block_bytes, token_bytes);
    hint(tokens_at + from, to - from);
  }
  ::close(fd);
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
