// Byte-level BPE on one pre-token: start from one symbol per byte, repeatedly merge the
// adjacent pair with the lowest merge rank (leftmost first), as GPT-2 and Hugging Face do.
// Results are cached per pre-token in a sharded, mutex-guarded map, so const calls are safe
// from many threads at once.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/vocab_files.h"

namespace roberta::tokenizer {

class BpeModel {
 public:
  // Checks every merge: both sides and their concatenation must be vocab tokens (else
  // roberta::Error naming merges_path and the merge's line).
  BpeModel(const VocabFiles& files, const std::string& merges_path);

  // Appends the ids of the pre-token `bytes` (raw bytes, not byte-level text).
  void encode_piece(std::string_view bytes, std::vector<int32_t>& out) const;

  int32_t byte_id(uint8_t byte) const { return byte_ids_[byte]; }
  // Bytes that have no token in this vocab (possible only in hand-made vocabs) and were
  // encoded as unk (or dropped when there is no unk): counted here.
  uint64_t missing_bytes_seen() const { return missing_bytes_.load(); }
  void set_unk_id(int32_t id) { unk_id_ = id; }

 private:
  struct MergeTarget {
    int32_t rank;
    int32_t id;
  };
  void bpe(std::string_view bytes, std::vector<int32_t>& out) const;
  const MergeTarget* find_merge(int32_t left, int32_t right) const;

  std::array<int32_t, 256> byte_ids_{};
  std::unordered_map<uint64_t, MergeTarget> merges_;  // (left << 32 | right) -> rank, id
  int32_t unk_id_ = -1;
  mutable std::atomic<uint64_t> missing_bytes_{0};

  static constexpr size_t kShards = 64;
  static constexpr size_t kShardCapacity = 4096;  // like HF: stop inserting when full
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, std::vector<int32_t>> map;
  };
  mutable std::unique_ptr<Shard[]> cache_;
};

}  // namespace roberta::tokenizer
