// Options of the data layer: input format, masking and loading. Plain data; the config
// layer (roberta/config) fills them from the data.* and masking.* YAML keys.
// Each member's comment names its config key; help text and range: roberta/config/registry.cpp.
#pragma once

#include <cstdint>
#include <string>

namespace roberta::data {

// RoBERTa Table 2.
enum class InputFormat {
  full_sentences,  // packed contiguous sentences, may cross documents (extra </s>)
  doc_sentences,   // packed, never crosses a document
  segment_pair,    // two multi-sentence segments + NSP label
  sentence_pair,   // two single sentences + NSP label
};

struct FormatOptions {
  InputFormat format = InputFormat::full_sentences;  // data.format
  int64_t seq_len = 512;  // data.seq_len
  double nsp_random_prob = 0.5;  // data.nsp_random_prob
};

struct MaskingOptions {
  bool dynamic = true;  // masking.dynamic
  int64_t copies = 10;  // masking.copies
  double mask_prob = 0.15;  // masking.mask_prob
  double mask_prob_mask = 0.8;  // masking.mask_prob_mask
  double mask_prob_random = 0.1;  // masking.mask_prob_random
};

// How ranks divide an epoch's samples (data.rank_split). Both give every sample of the epoch
// to exactly one rank, with rank counts differing by at most one; with one rank they are the same.
enum class RankSplit {
  blocks,   // each rank takes runs of adjacent samples (about 16 token blocks each, chosen at
            // random per epoch) and shuffles them: it reads about 1/world_size of the shards
  strided,  // rank r takes every world_size-th sample of the epoch's order: the global batches
            // are those of a one-rank run, and every rank reads from all of the data
};

// The YAML spellings ("full_sentences", "blocks", ...): file names, loader states, messages.
inline const char* name_of(InputFormat format) {
  switch (format) {
    case InputFormat::full_sentences: return "full_sentences";
    case InputFormat::doc_sentences: return "doc_sentences";
    case InputFormat::segment_pair: return "segment_pair";
    case InputFormat::sentence_pair: return "sentence_pair";
  }
  return "unknown";
}
inline const char* name_of(RankSplit split) { return split == RankSplit::blocks ? "blocks" : "strided"; }

struct LoaderOptions {
  int64_t micro_batch = 16;  // batch.micro
  int64_t micro_tokens = 0;  // batch.micro_tokens
  int64_t workers = 1;  // data.workers
  int64_t prefetch = 8;  // data.prefetch
  uint64_t seed = 1;  // train.seed
  bool shuffle = true;  // data.shuffle
  RankSplit rank_split = RankSplit::blocks;  // data.rank_split
  int64_t rank = 0;           // set by the trainer from the communicator
  int64_t world_size = 1;
  bool pin_memory = false;    // set by the trainer when it trains on CUDA: batches come in
                              // page-locked memory, copied to the GPU without blocking
};

}  // namespace roberta::data
