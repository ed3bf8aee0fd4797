// What a training sample is made of, for all four input formats (RoBERTa Table 2), turned into
// token ids by materialize(). The plan is built once per dataset and format; the loader
// shuffles sample numbers per epoch, so a sample's content never depends on the epoch.
//
// Token layout:  single  <s> A </s>            (A crossing a document gets an extra </s>)
//                pair    <s> A </s></s> B </s>
// Sentences longer than the piece limit (seq_len - 2 for single formats, (seq_len - 4) / 2
// for pair formats, so any two pieces fit one pair) are cut into consecutive "pieces" of the
// limit, the last one shorter; each piece then counts as a sentence. Nothing else is ever cut
// mid-sentence.
//
// Single-segment formats (FULL-SENTENCES, DOC-SENTENCES) pack adjacent pieces, so a sample is a
// range of the corpus's token stream (all shards' tokens end to end): the plan holds one
// Sample per sequence and nothing per sentence, about 40 bytes per 500 tokens. Pair formats
// draw B from random documents and keep a list of pieces (24 bytes per sentence).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/options.h"

namespace roberta::data {

struct Piece {
  uint64_t sentence;  // global sentence number in the dataset
  uint32_t begin;     // first token inside the sentence
  uint32_t length;    // tokens
  uint64_t document;  // global document number
};

struct Sample {
  uint64_t a_begin, a_end;  // segment A: pieces; single formats: global token offsets
  uint64_t b_begin, b_end;  // pieces of segment B (empty for single-segment formats)
  uint32_t length;          // tokens including <s>, </s> and separators
  int32_t nsp;              // 1 = B is random (not next), 0 = B follows A, -1 = no NSP
};

// A plan cache file mapped read-only (plan_cache.cpp): its records, checked against their
// block CRCs the first time any record of a block is read, as shard token blocks are.
class MappedSamples {
 public:
  MappedSamples(void* map, size_t map_bytes, const Sample* records, size_t count, size_t block_records,
                const uint32_t* block_crc, std::string path);
  ~MappedSamples();
  MappedSamples(const MappedSamples&) = delete;
  MappedSamples& operator=(const MappedSamples&) = delete;
  size_t size() const { return count_; }
  const Sample& operator[](size_t i) const {
    if (!verified_[i / block_records_].load(std::memory_order_acquire)) verify(i / block_records_);
    return records_[i];
  }
  // Starts reading the block of record i in the background if it is not checked yet.
  void will_need(size_t i) const;

 private:
  void verify(size_t block) const;
  void* map_;
  size_t map_bytes_;
  const Sample* records_;
  size_t count_, block_records_;
  const uint32_t* block_crc_;
  std::string path_;
  std::unique_ptr<std::atomic<bool>[]> verified_;
};

// The samples of a plan: built in memory (the builders push_back), or a mapped plan cache.
class Samples {
 public:
  void push_back(const Sample& s) { built_.push_back(s); }
  void clear() {
    built_.clear();
    mapped_.reset();
  }
  void map(std::shared_ptr<const MappedSamples> mapped) {
    built_.clear();
    mapped_ = std::move(mapped);
  }
  size_t size() const { return mapped_ ? mapped_->size() : built_.size(); }
  bool empty() const { return size() == 0; }
  bool mapped() const { return mapped_ != nullptr; }
  const Sample& operator[](size_t i) const { return mapped_ ? (*mapped_)[i] : built_[i]; }
  void will_need(size_t i) const {  // a hint: a mapped record's block will be read soon
    if (mapped_) mapped_->will_need(i);
  }
  const std::vector<Sample>& built() const { return built_; }  // empty when mapped

 private:
  std::vector<Sample> built_;
  std::shared_ptr<const MappedSamples> mapped_;
};

struct SamplePlan {
  InputFormat format;
  std::vector<Piece> pieces;              // pair formats only
  std::vector<uint64_t> doc_piece_begin;  // pair formats: [documents + 1] first piece of each document
  Samples samples;
  bool has_nsp() const { return format == InputFormat::segment_pair || format == InputFormat::sentence_pair; }
  bool packed() const { return !has_nsp(); }  // samples are token ranges
};

// The longest piece a format allows (see the header comment).
int64_t max_piece_length(const FormatOptions& options);

// One piece as for_each_piece sees it.
struct PieceAt {
  uint64_t sentence;  // global sentence number
  uint64_t begin;     // first token inside the sentence
  uint64_t token;     // global token offset of that first token
  uint64_t length;    // tokens
  uint64_t document;  // global document number
  bool first;         // the first piece of its document
};

// Calls visit(const PieceAt&) for every piece of the dataset in order: every sentence cut
// into pieces of at most max_length tokens. Reads only the shards' indexes.
template <typename Visit>
void for_each_piece(const Dataset& dataset, int64_t max_length, Visit&& visit);

// Cuts every sentence of the dataset into pieces of at most max_length tokens (pair formats).
void build_pieces(const Dataset& dataset, int64_t max_length, SamplePlan& plan);

// Builds the whole plan; seed decides the NSP pairs (fixed for the run, as in BERT). With
// PlanCache::use the single-segment formats' plan is read from, or else written to, the
// dataset's plan cache (plan_cache.h), so only the first start scans the shards' indexes.
enum class PlanCache { use, off };
SamplePlan make_plan(const Dataset& dataset, const FormatOptions& options, uint64_t seed,
                     PlanCache cache = PlanCache::use);

// Token ids of sample i (cleared first); the length equals plan.samples[i].length.
void materialize(const Dataset& dataset, const SamplePlan& plan, uint64_t i, std::vector<int32_t>& out);

// Per-format builders, one file each in data/formats/.
void build_full_sentences(const Dataset& dataset, SamplePlan& plan, const FormatOptions& options);
void build_doc_sentences(const Dataset& dataset, SamplePlan& plan, const FormatOptions& options);
void build_segment_pair(SamplePlan& plan, const FormatOptions& options, uint64_t seed);
void build_sentence_pair(SamplePlan& plan, const FormatOptions& options, uint64_t seed);

// Shared by the pair formats: a random run of whole pieces from a document other than
// `exclude`, as many as fit in `budget` tokens (at least one; the caller guarantees one fits).
// `max_pieces` = 1 for sentence pairs.
struct PieceRange {
  uint64_t begin, end, tokens;
};
class Rng;
PieceRange random_segment(const SamplePlan& plan, Rng& rng, uint64_t exclude, uint64_t budget,
                          uint64_t max_pieces);

template <typename Visit>
void for_each_piece(const Dataset& dataset, int64_t max_length, Visit&& visit) {
  // Shard by shard, straight from each shard's index: this loop runs once per sentence of the
  // corpus at every start, so it avoids a per-sentence shard lookup.
  const auto limit = static_cast<uint64_t>(max_length);
  uint64_t document = 0;
  for (size_t k = 0; k < dataset.num_shards(); ++k) {
    const ShardReader& shard = dataset.shard(k);
    const uint64_t token_base = dataset.shard_token_begin(k);
    const uint64_t sentence_base = dataset.shard_sentence_begin(k);
    for (uint64_t d = 0; d < shard.num_documents(); ++d, ++document) {
      PieceAt piece{0, 0, 0, 0, document, true};
      for (uint64_t s = shard.document_begin(d); s < shard.document_begin(d + 1); ++s) {
        const uint64_t start = shard.sentence_begin(s), length = shard.sentence_begin(s + 1) - start;
        piece.sentence = sentence_base + s;
        for (piece.begin = 0; piece.begin < length; piece.begin += limit) {
          piece.token = token_base + start + piece.begin;
          piece.length = std::min(limit, length - piece.begin);
          visit(static_cast<const PieceAt&>(piece));
          piece.first = false;
        }
      }
    }
  }
}

}  // namespace roberta::data
