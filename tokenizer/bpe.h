// Byte-level BPE on one pre-token: start from one symbol per byte, repeatedly merge the
// adjacent pair with the lowest merge rank (leftmost first), as GPT-2 and Hugging Face do.
// Results are remembered in a per-thread, direct-mapped cache (no locks, so const calls
// are safe and fast from many threads at once).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
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
  // Open addressing over (left << 32 | right) -> (rank, merged id): the hot lookup of BPE.
  struct MergeSlot {
    uint64_t key = kEmpty;
    int32_t rank = 0;
    int32_t id = 0;
  };
  static constexpr uint64_t kEmpty = ~uint64_t(0);  // ids are < 2^31, so never a real key
  const MergeSlot* find_merge(int32_t left, int32_t right) const;
  void bpe(std::string_view bytes, std::vector<int32_t>& out) const;
  void bpe_long(std::string_view bytes, std::vector<int32_t>& out) const;
  static constexpr size_t kLongPiece = 64;  // above this, the O(n log n) merge loop

  std::array<int32_t, 256> byte_ids_{};
  std::vector<MergeSlot> merges_;
  uint64_t merge_mask_ = 0;
  int32_t unk_id_ = -1;
  uint64_t instance_ = 0;  // tells the per-thread caches of different models apart
  mutable std::atomic<uint64_t> missing_bytes_{0};
};

}  // namespace roberta::tokenizer
