// FULL-SENTENCES: contiguous pieces packed greedily up to seq_len, crossing document
// boundaries; a document change inside a sample costs one extra </s> (RoBERTa section 4.2).
#include "data/formats/sample_plan.h"

namespace roberta::data {

void build_full_sentences(SamplePlan& plan, const FormatOptions& options) {
  const uint64_t seq_len = static_cast<uint64_t>(options.seq_len);
  plan.samples.clear();
  uint64_t start = 0, length = 2;  // <s> ... </s>
  for (uint64_t p = 0; p < plan.pieces.size(); ++p) {
    uint64_t extra = plan.pieces[p].length;
    if (p > start && plan.pieces[p - 1].document != plan.pieces[p].document) ++extra;
    if (p > start && length + extra > seq_len) {
      plan.samples.push_back({start, p, 0, 0, static_cast<uint32_t>(length), -1});
      start = p;
      length = 2;
      extra = plan.pieces[p].length;
    }
    length += extra;
  }
  if (start < plan.pieces.size()) {
    plan.samples.push_back({start, plan.pieces.size(), 0, 0, static_cast<uint32_t>(length), -1});
  }
}

}  // namespace roberta::data
