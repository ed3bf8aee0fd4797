#include "tokenizer/bpe.h"

#include <functional>
#include <unordered_map>

#include "tokenizer/byte_table.h"
#include "util/error.h"

namespace roberta::tokenizer {

BpeModel::BpeModel(const VocabFiles& files, const std::string& merges_path)
    : cache_(new Shard[kShards]) {
  std::unordered_map<std::string_view, int32_t> ids;
  ids.reserve(files.tokens.size() * 2);
  for (size_t id = 0; id < files.tokens.size(); ++id) ids.emplace(files.tokens[id], int32_t(id));
  for (int b = 0; b < 256; ++b) {
    auto it = ids.find(byte_chars()[b]);
    byte_ids_[b] = it == ids.end() ? -1 : it->second;
  }
  merges_.reserve(files.merges.size() * 2);
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
    merges_.emplace(key, MergeTarget{int32_t(rank), target->second});  // first (lowest) rank wins
  }
}

const BpeModel::MergeTarget* BpeModel::find_merge(int32_t left, int32_t right) const {
  auto it = merges_.find((uint64_t(uint32_t(left)) << 32) | uint32_t(right));
  return it == merges_.end() ? nullptr : &it->second;
}

void BpeModel::bpe(std::string_view bytes, std::vector<int32_t>& out) const {
  // symbols: the current segmentation; ranks[i]: rank of merging symbols[i], symbols[i+1].
  std::vector<int32_t> symbols;
  symbols.reserve(bytes.size());
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
  std::vector<int32_t> ranks(symbols.size(), kNone);
  auto rank_at = [&](size_t i) {
    const MergeTarget* t = find_merge(symbols[i], symbols[i + 1]);
    return t ? t->rank : kNone;
  };
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
  if (bytes.size() == 1) {  // one byte is one token: no cache needed
    bpe(bytes, out);
    return;
  }
  size_t hash = std::hash<std::string_view>{}(bytes);
  Shard& shard = cache_[hash % kShards];
  std::string key(bytes);
  {
    std::lock_guard<std::mutex> lock(shard.mutex);
    auto it = shard.map.find(key);
    if (it != shard.map.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  size_t start = out.size();
  bpe(bytes, out);
  std::lock_guard<std::mutex> lock(shard.mutex);
  if (shard.map.size() < kShardCapacity)
    shard.map.emplace(std::move(key), std::vector<int32_t>(out.begin() + start, out.end()));
}

}  // namespace roberta::tokenizer
