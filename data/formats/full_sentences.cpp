// FULL-SENTENCES: contiguous pieces packed greedily up to seq_len, crossing document
// boundaries; a document change inside a sample costs one extra </s> (RoBERTa section 4.2).
#include "data/formats/sample_plan.h"

namespace roberta::data {

void build_full_sentences(const Dataset& dataset, SamplePlan& plan, const FormatOptions& options) {
  const uint64_t seq_len = static_cast<uint64_t>(options.seq_len);
  plan.samples.clear();
  uint64_t start = 0, length = 2;  // <s> ... </s>
  bool empty = true;
  for_each_piece(dataset, max_piece_length(options), [&](const PieceAt& piece) {
    uint64_t extra = piece.length + (!empty && piece.first ? 1 : 0);
    if (!empty && length + extra > seq_len) {
      plan.samples.push_back({start, piece.token, 0, 0, static_cast<uint32_t>(length), -1});
      length = 2;
      extra = piece.length;
      empty = true;
    }
    if (empty) start = piece.token;
    length += extra;
    empty = false;
  });
  if (!empty) plan.samples.push_back({start, dataset.num_tokens(), 0, 0, static_cast<uint32_t>(length), -1});
}

}  // namespace roberta::data
