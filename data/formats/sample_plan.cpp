// Pieces, the plan dispatcher and materialization shared by the four input formats.
#include "data/formats/sample_plan.h"

#include <algorithm>

#include "data/formats/plan_cache.h"
#include "data/random.h"
#include "util/error.h"

namespace roberta::data {

int64_t max_piece_length(const FormatOptions& options) {
  const bool pair = options.format == InputFormat::segment_pair || options.format == InputFormat::sentence_pair;
  return pair ? (options.seq_len - 4) / 2 : options.seq_len - 2;
}

void build_pieces(const Dataset& dataset, int64_t max_length, SamplePlan& plan) {
  plan.pieces.clear();
  plan.pieces.reserve(dataset.num_sentences());
  plan.doc_piece_begin.clear();
  plan.doc_piece_begin.reserve(dataset.num_documents() + 1);
  for_each_piece(dataset, max_length, [&](const PieceAt& p) {
    if (p.first) plan.doc_piece_begin.push_back(plan.pieces.size());
    plan.pieces.push_back({p.sentence, static_cast<uint32_t>(p.begin), static_cast<uint32_t>(p.length), p.document});
  });
  plan.doc_piece_begin.push_back(plan.pieces.size());
}

SamplePlan make_plan(const Dataset& dataset, const FormatOptions& options, uint64_t seed, PlanCache cache) {
  const int64_t min_len = options.format == InputFormat::full_sentences || options.format == InputFormat::doc_sentences ? 3 : 6;
  if (options.seq_len < min_len) {
    fail("data.seq_len: expected at least {} for this format, found {}", min_len, options.seq_len);
  }
  SamplePlan plan;
  plan.format = options.format;
  if (cache == PlanCache::use && plan.packed() && read_plan_cache(dataset, options, plan.samples)) return plan;
  if (plan.has_nsp()) build_pieces(dataset, max_piece_length(options), plan);
  switch (options.format) {
    case InputFormat::full_sentences: build_full_sentences(dataset, plan, options); break;
    case InputFormat::doc_sentences: build_doc_sentences(dataset, plan, options); break;
    case InputFormat::segment_pair: build_segment_pair(plan, options, seed); break;
    case InputFormat::sentence_pair: build_sentence_pair(plan, options, seed); break;
  }
  if (plan.samples.empty()) fail("the dataset yields no samples for this format (is it empty?)");
  if (cache == PlanCache::use && plan.packed()) write_plan_cache(dataset, options, plan.samples.built());
  return plan;
}

void materialize(const Dataset& dataset, const SamplePlan& plan, uint64_t i, std::vector<int32_t>& out) {
  const Sample& sample = plan.samples[i];
  const SpecialTokens& sp = dataset.special();
  out.clear();
  out.reserve(sample.length);
  out.push_back(sp.bos_id);
  if (plan.packed()) {
    dataset.append_tokens(sample.a_begin, sample.a_end, sp.eos_id, out);
    out.push_back(sp.eos_id);
    return;
  }
  auto append = [&](uint64_t begin, uint64_t end) {
    for (uint64_t p = begin; p < end; ++p) {
      const Piece& piece = plan.pieces[p];
      if (p > begin && plan.pieces[p - 1].document != piece.document) out.push_back(sp.eos_id);
      dataset.append_sentence(piece.sentence, piece.begin, piece.begin + piece.length, out);
    }
    out.push_back(sp.eos_id);
  };
  append(sample.a_begin, sample.a_end);
  if (sample.b_end > sample.b_begin) {
    out.push_back(sp.eos_id);
    append(sample.b_begin, sample.b_end);
  }
}

PieceRange random_segment(const SamplePlan& plan, Rng& rng, uint64_t exclude, uint64_t budget,
                          uint64_t max_pieces) {
  const uint64_t documents = plan.doc_piece_begin.size() - 1;
  if (documents < 2) fail("pair formats need at least two documents for random segments, found {}", documents);
  uint64_t doc = rng.below(documents - 1);
  if (doc >= exclude) ++doc;
  const uint64_t first = plan.doc_piece_begin[doc], last = plan.doc_piece_begin[doc + 1];
  PieceRange range{first + rng.below(last - first), 0, 0};
  range.end = range.begin;
  while (range.end < last && range.end - range.begin < max_pieces &&
         (range.end == range.begin || range.tokens + plan.pieces[range.end].length <= budget)) {
    range.tokens += plan.pieces[range.end].length;
    ++range.end;
  }
  return range;
}

}  // namespace roberta::data
