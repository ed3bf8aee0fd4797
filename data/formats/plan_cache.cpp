// Reading (mapping) and writing the sample plan cache (layout in plan_cache.h).
#include "data/formats/plan_cache.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>
#include <type_traits>

#include "util/crc32c.h"
#include "util/error.h"

namespace roberta::data {
namespace fs = std::filesystem;
namespace {

constexpr char kPlanMagic[8] = {'R', 'B', 'T', 'P', 'L', 'A', 'N', '\0'};
constexpr uint32_t kPlanVersion = 3;  // 3: blocks of 1,024 records (2: 16,384)
// 40 KiB of records per checked block: a sample's first read checks its block, and on a cold
// start each sample of the first batch lands in a block of its own (640 KiB blocks made the
// 10 GB set's first batch read 10 MB of plan).
constexpr uint64_t kBlockRecords = 1024;

struct PlanCacheHeader {
  char magic[8];
  uint32_t version;
  uint32_t format;            // InputFormat
  uint64_t seq_len;
  uint64_t num_samples;
  uint64_t dataset_tokens;
  uint64_t dataset_sentences;
  uint32_t dataset_identity;  // Dataset::identity()
  uint32_t table_crc;         // CRC-32C of the block CRC table
  uint64_t block_records;     // records per checked block
};
static_assert(sizeof(PlanCacheHeader) == 64, "the plan cache header is 64 bytes on disk");
static_assert(std::is_trivially_copyable_v<Sample> && sizeof(Sample) == 40, "Sample records are 40 bytes on disk");

uint64_t pad8(uint64_t bytes) { return (bytes + 7) / 8 * 8; }
uint64_t blocks_for(uint64_t records, uint64_t block) { return (records + block - 1) / block; }

PlanCacheHeader header_for(const Dataset& dataset, const FormatOptions& options, uint64_t samples) {
  PlanCacheHeader h{};
  std::memcpy(h.magic, kPlanMagic, sizeof(h.magic));
  h.version = kPlanVersion;
  h.format = static_cast<uint32_t>(options.format);
  h.seq_len = static_cast<uint64_t>(options.seq_len);
  h.num_samples = samples;
  h.dataset_tokens = dataset.num_tokens();
  h.dataset_sentences = dataset.num_sentences();
  h.dataset_identity = dataset.identity();
  h.block_records = kBlockRecords;
  return h;
}

}  // namespace

MappedSamples::MappedSamples(void* map, size_t map_bytes, const Sample* records, size_t count, size_t block_records,
                             const uint32_t* block_crc, std::string path)
    : map_(map), map_bytes_(map_bytes), records_(records), count_(count), block_records_(block_records),
      block_crc_(block_crc), path_(std::move(path)) {
  const size_t blocks = blocks_for(count_, block_records_);
  verified_ = std::make_unique<std::atomic<bool>[]>(blocks);
  for (size_t b = 0; b < blocks; ++b) verified_[b].store(false, std::memory_order_relaxed);
}

MappedSamples::~MappedSamples() { ::munmap(map_, map_bytes_); }

void MappedSamples::will_need(size_t i) const {
  const size_t block = i / block_records_;
  if (verified_[block].load(std::memory_order_acquire)) return;
  const size_t first = block * block_records_, records = std::min(block_records_, count_ - first);
  const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const uintptr_t begin = reinterpret_cast<uintptr_t>(records_ + first) / page * page;
  ::madvise(reinterpret_cast<void*>(begin), reinterpret_cast<uintptr_t>(records_ + first + records) - begin,
            MADV_WILLNEED);
}

void MappedSamples::verify(size_t block) const {
  // Two threads may check the same block at once; both compute the same answer.
  const size_t first = block * block_records_;
  const size_t records = std::min(block_records_, count_ - first);
  // The map is MADV_RANDOM (no readahead, for random samples): fault the block in at once
  // rather than a page at a time (Linux 5.14+; elsewhere a hint to read it ahead).
  const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const uintptr_t begin = reinterpret_cast<uintptr_t>(records_ + first) / page * page;
  const uintptr_t end = reinterpret_cast<uintptr_t>(records_ + first + records);
#ifdef MADV_POPULATE_READ
  ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_READ);
#else
  ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_WILLNEED);
#endif
  const uint32_t crc = crc32c(records_ + first, records * sizeof(Sample));
  if (crc != block_crc_[block]) {
    fail("{}: corrupt sample plan block {} (records {}..{}): expected CRC-32C {:08x}, found {:08x}; delete the "
         "file and start again (it is rebuilt from the shards)", path_, block, first, first + records,
         block_crc_[block], crc);
  }
  verified_[block].store(true, std::memory_order_release);
}

std::string plan_cache_path(const Dataset& dataset, const FormatOptions& options) {
  return (fs::path(dataset.dir()) / "plans" / fmt::format("{}-{}.plan", name_of(options.format), options.seq_len))
      .string();
}

bool read_plan_cache(const Dataset& dataset, const FormatOptions& options, Samples& samples) {
  const std::string path = plan_cache_path(dataset, options);
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return false;
  struct stat st {};
  PlanCacheHeader h{};
  const bool readable = ::fstat(fd, &st) == 0 && ::pread(fd, &h, sizeof(h), 0) == static_cast<ssize_t>(sizeof(h));
  const PlanCacheHeader want = header_for(dataset, options, 0);
  if (!readable || std::memcmp(h.magic, want.magic, sizeof(h.magic)) != 0 || h.version != want.version ||
      h.format != want.format || h.seq_len != want.seq_len || h.dataset_tokens != want.dataset_tokens ||
      h.dataset_sentences != want.dataset_sentences || h.dataset_identity != want.dataset_identity ||
      h.num_samples == 0 || h.num_samples > dataset.num_tokens() || h.block_records != kBlockRecords) {
    ::close(fd);
    return false;
  }
  const uint64_t blocks = blocks_for(h.num_samples, h.block_records);
  const uint64_t table_bytes = pad8(blocks * 4);
  if (static_cast<uint64_t>(st.st_size) != sizeof(h) + table_bytes + h.num_samples * sizeof(Sample)) {
    ::close(fd);
    return false;
  }
  void* map = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return false;
  const auto* base = static_cast<const char*>(map);
  const auto* table = reinterpret_cast<const uint32_t*>(base + sizeof(h));
  if (crc32c(table, blocks * 4) != h.table_crc) {
    ::munmap(map, static_cast<size_t>(st.st_size));
    return false;
  }
  ::madvise(map, static_cast<size_t>(st.st_size), MADV_RANDOM);
  const auto* records = reinterpret_cast<const Sample*>(base + sizeof(h) + table_bytes);
  samples.map(std::make_shared<const MappedSamples>(map, static_cast<size_t>(st.st_size), records, h.num_samples,
                                                    h.block_records, table, path));
  return true;
}

bool write_plan_cache(const Dataset& dataset, const FormatOptions& options, const std::vector<Sample>& samples) {
  const std::string path = plan_cache_path(dataset, options);
  const std::string tmp = fmt::format("{}.tmp.{}.{}", path, ::getpid(),
                                      std::hash<std::thread::id>{}(std::this_thread::get_id()));
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) return false;
  PlanCacheHeader h = header_for(dataset, options, samples.size());
  std::vector<uint32_t> table(pad8(blocks_for(samples.size(), kBlockRecords) * 4) / 4, 0);
  for (uint64_t b = 0; b * kBlockRecords < samples.size(); ++b) {
    const uint64_t records = std::min<uint64_t>(kBlockRecords, samples.size() - b * kBlockRecords);
    table[b] = crc32c(samples.data() + b * kBlockRecords, records * sizeof(Sample));
  }
  h.table_crc = crc32c(table.data(), blocks_for(samples.size(), kBlockRecords) * 4);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return false;
    out.write(reinterpret_cast<const char*>(&h), sizeof(h));
    out.write(reinterpret_cast<const char*>(table.data()), static_cast<std::streamsize>(table.size() * 4));
    out.write(reinterpret_cast<const char*>(samples.data()), static_cast<std::streamsize>(samples.size() * sizeof(Sample)));
    out.close();
    if (!out) {
      fs::remove(tmp, ec);
      return false;
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) fs::remove(tmp, ec);
  return !ec;
}

}  // namespace roberta::data
