// SENTENCE-PAIR + NSP: A is one piece, B the next piece of the same document, or with
// probability nsp_random_prob a random piece of another document (label 1). Every piece
// that has a successor in its document starts one sample. Samples are short, so the loader
// batches them by tokens to keep tokens per batch comparable with FULL-SENTENCES.
#include "data/formats/sample_plan.h"
#include "data/random.h"

namespace roberta::data {

void build_sentence_pair(SamplePlan& plan, const FormatOptions& options, uint64_t seed) {
  const uint64_t budget = static_cast<uint64_t>(options.seq_len - 4);
  plan.samples.clear();
  for (uint64_t d = 0; d + 1 < plan.doc_piece_begin.size(); ++d) {
    const uint64_t end = plan.doc_piece_begin[d + 1];
    for (uint64_t i = plan.doc_piece_begin[d]; i + 1 < end; ++i) {
      Rng rng(hash_keys({seed, 0x5e7, i}));
      const uint64_t a = plan.pieces[i].length;
      if (rng.uniform() < options.nsp_random_prob) {
        PieceRange b = random_segment(plan, rng, d, budget - a, 1);
        plan.samples.push_back({i, i + 1, b.begin, b.end, static_cast<uint32_t>(4 + a + b.tokens), 1});
      } else {
        const uint64_t length = 4 + a + plan.pieces[i + 1].length;
        plan.samples.push_back({i, i + 1, i + 1, i + 2, static_cast<uint32_t>(length), 0});
      }
    }
  }
}

}  // namespace roberta::data
