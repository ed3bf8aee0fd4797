#include "tokenizer/bpe.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <unordered_map>

#include <sys/mman.h>

#include "tokenizer/byte_table.h"
#include "util/error.h"

namespace roberta::tokenizer {
namespace {

uint64_t mix64(uint64_t x) {  // splitmix64 finaliser: a cheap, well-spread hash
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t hash_bytes(std::string_view s) {
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ s.size();
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = mix64(h ^ w);
  }
  uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  return mix64(h ^ tail);
}

// One cache line per entry: pieces up to 23 bytes that encode to at most 7 ids (nearly every
// word of real text); longer ones are simply recomputed.
struct CacheSlot {
  uint64_t hash;
  uint8_t length;
  uint8_t count;
  char key[22];
  int32_t ids[7];
};
static_assert(sizeof(CacheSlot) == 60 || sizeof(CacheSlot) == 64, "one cache line");
constexpr size_t kCacheSlots = size_t(1) << 18;  // 16 MB per thread per model

// The cache is read at random, so each lookup would also miss the TLB on 4 KB pages: it is
// mapped on its own, 2 MB aligned, and offered to the kernel for huge pages. Fresh anonymous
// memory is zero: empty slots.
constexpr size_t kCacheBytes = sizeof(CacheSlot) * kCacheSlots;
constexpr size_t kHugePage = size_t(2) << 20;

struct UnmapCache {
  void operator()(CacheSlot* p) const { munmap(p, kCacheBytes); }
};

std::unique_ptr<CacheSlot, UnmapCache> map_cache() {
  void* p = mmap(nullptr, kCacheBytes + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  const uintptr_t begin = uintptr_t(p), start = (begin + kHugePage - 1) & ~uintptr_t(kHugePage - 1);
  if (start > begin) munmap(p, start - begin);
  if (const size_t tail = begin + kCacheBytes + kHugePage - (start + kCacheBytes); tail > 0) {
    munmap(reinterpret_cast<void*>(start + kCacheBytes), tail);
  }
  madvise(reinterpret_cast<void*>(start), kCacheBytes, MADV_HUGEPAGE);  // a hint: ignored where THP is off
  return std::unique_ptr<CacheSlot, UnmapCache>(reinterpret_cast<CacheSlot*>(start));
}

struct ThreadCache {
  uint64_t owner = 0;
  uint64_t last_use = 0;
  std::unique_ptr<CacheSlot, UnmapCache> slots;
};

// A thread keeps caches for up to four models (tests and tools alternate between a few).
CacheSlot* thread_cache(uint64_t owner) {
  thread_local std::array<ThreadCache, 4> caches;
  thread_local uint64_t clock = 0;
  ++clock;
  ThreadCache* victim = &caches[0];
  for (auto& c : caches) {
    if (c.owner == owner) {
      c.last_use = clock;
      return c.slots.get();
    }
    if (c.last_use < victim->last_use) victim = &c;
  }
  if (victim->slots) {
    std::memset(static_cast<void*>(victim->slots.get()), 0, kCacheBytes);
  } else {
    victim->slots = map_cache();
  }
  victim->owner = owner;
  victim->last_use = clock;
  return victim->slots.get();
}

std::atomic<uint64_t> g_next_instance{1};

}  // namespace

BpeModel::BpeModel(const VocabFiles& files, const std::string& merges_path)
    : instance_(g_next_instance.fetch_add(1)) {
  std::unordered_map<std::string_view, int32_t> ids;
  ids.reserve(files.tokens.size() * 2);
  for (size_t id = 0; id < files.tokens.size(); ++id) ids.emplace(files.tokens[id], int32_t(id));
  for (int b = 0; b < 256; ++b) {
    auto it = ids.find(byte_chars()[b]);
    byte_ids_[b] = it == ids.end() ? -1 : it->second;
  }
  size_t capacity = 16;
  while (capacity < files.merges.size() * 2) capacity *= 2;
  merges_.assign(capacity, MergeSlot{});
  merge_mask_ = capacity - 1;
  std::string joined;
  for (size_t rank = 0; rank < files.merges.size(); ++rank) {
    const Merge& m = files.merges[rank];
    auto left = ids.find(m.left), right = ids.find(m.right);
    joined = m.left + m.right;
    auto target = ids.find(joined);
    const char* missing = left == ids.end() ? "left" : right == ids.end() ? "right" : target == ids.end() ? "merged" : nullptr;
    if (missing) {
      fail("{}:{}: merge \"{} {}\": the {} token {:?} is not in vocab.json (expected every merge "
           "and its result to be vocab tokens)", merges_path, m.line, m.left, m.right, missing,
           std::string(missing[0] == 'l' ? m.left : missing[0] == 'r' ? m.right : joined));
    }
    uint64_t key = (uint64_t(uint32_t(left->second)) << 32) | uint32_t(right->second);
    for (uint64_t slot = mix64(key) & merge_mask_;; slot = (slot + 1) & merge_mask_) {
      if (merges_[slot].key == key) break;  // a repeated merge: the first (lowest) rank wins
      if (merges_[slot].key == kEmpty) {
        merges_[slot] = {key, int32_t(rank), target->second};
        break;
      }
    }
  }
}

const BpeModel::MergeSlot* BpeModel::find_merge(int32_t left, int32_t right) const {
  uint64_t key = (uint64_t(uint32_t(left)) << 32) | uint32_t(right);
  for (uint64_t slot = mix64(key) & merge_mask_;; slot = (slot + 1) & merge_mask_) {
    const MergeSlot& s = merges_[slot];
    if (s.key == key) return &s;
    if (s.key == kEmpty) return nullptr;
  }
}

// Long pieces: the same merges in O(n log n) with a heap of (rank, position) over a linked
// list of symbols. A popped entry is acted on only if its pair is still there (a rank names
// one pair), so the order is "lowest rank, then leftmost", exactly as in bpe() below.
void BpeModel::bpe_long(std::string_view bytes, std::vector<int32_t>& out) const {
  struct Symbol {
    int32_t id;
    int32_t prev, next;  // -1: none
  };
  // Per-thread buffers: long pieces come in runs (CJK text, code), and allocating per piece
  // cost more than the merges.
  thread_local std::vector<Symbol> symbols;
  using Entry = std::pair<int32_t, int32_t>;  // (rank, left position): smallest first
  thread_local std::vector<Entry> heap;
  symbols.clear();
  heap.clear();
  for (unsigned char b : bytes) {
    int32_t id = byte_ids_[b];
    if (id < 0) {
      missing_bytes_.fetch_add(1, std::memory_order_relaxed);
      if (unk_id_ < 0) continue;
      id = unk_id_;
    }
    int32_t i = int32_t(symbols.size());
    symbols.push_back({id, i - 1, -1});
    if (i > 0) symbols[i - 1].next = i;
  }
  const auto later = std::greater<Entry>();  // a min-heap through std::push_heap/pop_heap
  auto push = [&](int32_t left) {
    if (left < 0 || symbols[left].next < 0) return;
    if (const MergeSlot* m = find_merge(symbols[left].id, symbols[symbols[left].next].id)) {
      heap.push_back({m->rank, left});
      std::push_heap(heap.begin(), heap.end(), later);
    }
  };
  for (int32_t i = 0; i + 1 < int32_t(symbols.size()); ++i) push(i);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), later);
    auto [rank, left] = heap.back();
    heap.pop_back();
    Symbol& s = symbols[left];
    if (s.id < 0 || s.next < 0) continue;  // merged away, or now last
    const MergeSlot* m = find_merge(s.id, symbols[s.next].id);
    if (!m || m->rank != rank) continue;  // the pair changed since it was queued
    Symbol& right = symbols[s.next];
    s.id = m->id;
    s.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = left;
    right.id = -1;
    push(s.prev);
    push(left);
  }
  for (int32_t i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[i].next) out.push_back(symbols[i].id);
}

void BpeModel::bpe(std::string_view bytes, std::vector<int32_t>& out) const {
  if (bytes.size() > kLongPiece) {
    bpe_long(bytes, out);
    return;
  }
  // symbols: the current segmentation; ranks[i]: rank of merging symbols[i], symbols[i+1].
  thread_local std::vector<int32_t> symbols, ranks;
  symbols.clear();
  for (unsigned char b : bytes) {
    int32_t id = byte_ids_[b];
    if (id < 0) {
      missing_bytes_.fetch_add(1, std::memory_order_relaxed);
      if (unk_id_ < 0) continue;
      id = unk_id_;
    }
    symbols.push_back(id);
  }
  constexpr int32_t kNone = INT32_MAX;
  auto rank_at = [&](size_t i) {
    const MergeSlot* t = find_merge(symbols[i], symbols[i + 1]);
    return t ? t->rank : kNone;
  };
  ranks.assign(symbols.size(), kNone);
  for (size_t i = 0; i + 1 < symbols.size(); ++i) ranks[i] = rank_at(i);
  while (symbols.size() > 1) {
    size_t best = 0;
    for (size_t i = 1; i + 1 < symbols.size(); ++i)
      if (ranks[i] < ranks[best]) best = i;
    if (ranks[best] == kNone) break;
    symbols[best] = find_merge(symbols[best], symbols[best + 1])->id;
    symbols.erase(symbols.begin() + best + 1);
    ranks.erase(ranks.begin() + best + 1);
    ranks[best] = best + 1 < symbols.size() ? rank_at(best) : kNone;
    if (best > 0) ranks[best - 1] = rank_at(best - 1);
  }
  out.insert(out.end(), symbols.begin(), symbols.end());
}

void BpeModel::encode_piece(std::string_view bytes, std::vector<int32_t>& out) const {
  if (bytes.size() == 1 && byte_ids_[(unsigned char)bytes[0]] >= 0) {  // one byte, one token
    out.push_back(byte_ids_[(unsigned char)bytes[0]]);
    return;
  }
  constexpr size_t kMaxKey = sizeof(CacheSlot::key);
  if (bytes.size() > kMaxKey) {
    bpe(bytes, out);
    return;
  }
  uint64_t hash = hash_bytes(bytes);
  CacheSlot& slot = thread_cache(instance_)[hash & (kCacheSlots - 1)];
  if (slot.hash == hash && slot.length == bytes.size() && slot.count > 0 &&
      std::memcmp(slot.key, bytes.data(), bytes.size()) == 0) {
    out.insert(out.end(), slot.ids, slot.ids + slot.count);
    return;
  }
  size_t start = out.size();
  bpe(bytes, out);
  size_t count = out.size() - start;
  if (count > 0 && count <= 7) {
    slot.hash = hash;
    slot.length = uint8_t(bytes.size());
    slot.count = uint8_t(count);
    std::memcpy(slot.key, bytes.data(), bytes.size());
    std::copy(out.begin() + start, out.end(), slot.ids);
  }
}

}  // namespace roberta::tokenizer
