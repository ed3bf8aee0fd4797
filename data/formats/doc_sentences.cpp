// DOC-SENTENCES: like FULL-SENTENCES but a sample never crosses a document, so samples near
// a document's end are shorter; the loader batches these by tokens, not sequences.
#include "data/formats/sample_plan.h"

namespace roberta::data {

void build_doc_sentences(const Dataset& dataset, SamplePlan& plan, const FormatOptions& options) {
  const uint64_t seq_len = static_cast<uint64_t>(options.seq_len);
  plan.samples.clear();
  uint64_t start = 0, end = 0, length = 2;  // <s> ... </s>
  bool empty = true;
  auto close = [&]() {
    if (!empty) plan.samples.push_back({start, end, 0, 0, static_cast<uint32_t>(length), -1});
    length = 2;
    empty = true;
  };
  for_each_piece(dataset, max_piece_length(options), [&](const PieceAt& piece) {
    if (piece.first || (!empty && length + piece.length > seq_len)) close();
    if (empty) start = piece.token;
    length += piece.length;
    end = piece.token + piece.length;
    empty = false;
  });
  close();
}

}  // namespace roberta::data
