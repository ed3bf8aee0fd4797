// SEGMENT-PAIR + NSP (BERT's format): per document, a chunk of whole pieces up to
// seq_len - 4 tokens is split at a random piece boundary into A and B. With probability
// nsp_random_prob B is replaced by a run of pieces from another random document (label 1)
// and the unused pieces of the chunk are put back, as BERT does. A chunk of one piece (only
// at a document's end) pairs its predecessor with it when the label says "next"; a document
// of a single piece can only give a random B (the one case where the label is forced).
#include "data/formats/sample_plan.h"
#include "data/random.h"

namespace roberta::data {

void build_segment_pair(SamplePlan& plan, const FormatOptions& options, uint64_t seed) {
  const uint64_t budget = static_cast<uint64_t>(options.seq_len - 4);
  const uint64_t half = static_cast<uint64_t>(max_piece_length(options));
  auto tokens = [&](uint64_t b, uint64_t e) {
    uint64_t n = 0;
    for (uint64_t p = b; p < e; ++p) n += plan.pieces[p].length;
    return n;
  };
  auto push = [&](uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1, int32_t nsp) {
    const uint64_t length = 4 + tokens(a0, a1) + tokens(b0, b1);
    plan.samples.push_back({a0, a1, b0, b1, static_cast<uint32_t>(length), nsp});
  };
  plan.samples.clear();
  for (uint64_t d = 0; d + 1 < plan.doc_piece_begin.size(); ++d) {
    const uint64_t first = plan.doc_piece_begin[d], end = plan.doc_piece_begin[d + 1];
    uint64_t i = first;
    while (i < end) {
      uint64_t j = i, chunk = 0;
      while (j < end && chunk + plan.pieces[j].length <= budget) chunk += plan.pieces[j++].length;
      Rng rng(hash_keys({seed, 0x5e6, i}));
      const bool random = rng.uniform() < options.nsp_random_prob;
      if (j - i < 2) {  // the document's last piece
        if (!random && i > first) {
          push(i - 1, i, i, i + 1, 0);
        } else {
          PieceRange b = random_segment(plan, rng, d, budget - plan.pieces[i].length, UINT64_MAX);
          push(i, i + 1, b.begin, b.end, 1);
        }
        i = j;
        continue;
      }
      uint64_t k = i + 1 + rng.below(j - i - 1);
      if (!random) {
        push(i, k, k, j, 0);
        i = j;
        continue;
      }
      while (k > i + 1 && tokens(i, k) > half) --k;  // leave room for any random piece
      PieceRange b = random_segment(plan, rng, d, budget - tokens(i, k), UINT64_MAX);
      push(i, k, b.begin, b.end, 1);
      i = k;  // the pieces of the chunk not used as A start the next chunk
    }
  }
}

}  // namespace roberta::data
