// What a training sample is made of, for all four input formats (RoBERTa Table 2): ranges of
// "pieces" (sentences, or chunks of sentences too long for one sequence), turned into token
// ids by materialize(). The plan is built once per dataset and format; the loader shuffles
// sample numbers per epoch, so a sample's content never depends on the epoch.
//
// Token layout:  single  <s> A </s>            (A crossing a document gets an extra </s>)
//                pair    <s> A </s></s> B </s>
// Sentences longer than the piece limit (seq_len - 2 for single formats, (seq_len - 4) / 2
// for pair formats, so any two pieces fit one pair) are cut into consecutive chunks of the
// limit, the last one shorter; each chunk then counts as a sentence. Nothing else is ever
// cut mid-sentence.
#pragma once

#include <cstdint>
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
  uint64_t a_begin, a_end;  // pieces of segment A
  uint64_t b_begin, b_end;  // pieces of segment B (empty for single-segment formats)
  uint32_t length;          // tokens including <s>, </s> and separators
  int32_t nsp;              // 1 = B is random (not next), 0 = B follows A, -1 = no NSP
};

struct SamplePlan {
  InputFormat format;
  std::vector<Piece> pieces;
  std::vector<uint64_t> doc_piece_begin;  // [documents + 1] first piece of each document
  std::vector<Sample> samples;
  bool has_nsp() const { return format == InputFormat::segment_pair || format == InputFormat::sentence_pair; }
};

// The longest piece a format allows (see the header comment).
int64_t max_piece_length(const FormatOptions& options);

// Cuts every sentence of the dataset into pieces of at most max_length tokens.
void build_pieces(const Dataset& dataset, int64_t max_length, SamplePlan& plan);

// Builds the whole plan; seed decides the NSP pairs (fixed for the run, as in BERT).
SamplePlan make_plan(const Dataset& dataset, const FormatOptions& options, uint64_t seed);

// Token ids of sample i (cleared first); the length equals plan.samples[i].length.
void materialize(const Dataset& dataset, const SamplePlan& plan, uint64_t i, std::vector<int32_t>& out);

// Per-format builders, one file each in data/formats/.
void build_full_sentences(SamplePlan& plan, const FormatOptions& options);
void build_doc_sentences(SamplePlan& plan, const FormatOptions& options);
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

}  // namespace roberta::data
