// DOC-SENTENCES: like FULL-SENTENCES but a sample never crosses a document, so samples near
// a document's end are shorter; the loader batches these by tokens, not sequences.
#include "data/formats/sample_plan.h"

namespace roberta::data {

void build_doc_sentences(SamplePlan& plan, const FormatOptions& options) {
  const uint64_t seq_len = static_cast<uint64_t>(options.seq_len);
  plan.samples.clear();
  for (uint64_t d = 0; d + 1 < plan.doc_piece_begin.size(); ++d) {
    const uint64_t end = plan.doc_piece_begin[d + 1];
    uint64_t start = plan.doc_piece_begin[d], length = 2;
    for (uint64_t p = start; p < end; ++p) {
      if (p > start && length + plan.pieces[p].length > seq_len) {
        plan.samples.push_back({start, p, 0, 0, static_cast<uint32_t>(length), -1});
        start = p;
        length = 2;
      }
      length += plan.pieces[p].length;
    }
    if (start < end) plan.samples.push_back({start, end, 0, 0, static_cast<uint32_t>(length), -1});
  }
}

}  // namespace roberta::data
