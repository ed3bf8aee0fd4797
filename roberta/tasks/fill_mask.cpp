// Top-k fillers of <mask> positions.
#include "roberta/tasks/fill_mask.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include "util/error.h"

namespace roberta {

std::vector<std::vector<MaskFiller>> fill_mask(RobertaForMaskedLM& model, const tokenizer::Tokenizer& tok,
                                               const std::string& text, int64_t top_k) {
  if (!tok.has_mask()) fail("fill-mask: the tokenizer has no <mask> token");
  std::vector<int32_t> ids = tok.encode_single(text);
  const int64_t max_len = model->options().max_positions;
  if (int64_t(ids.size()) > max_len) fail("fill-mask: the text is {} tokens, the model takes at most {}", ids.size(), max_len);
  std::vector<int64_t> positions;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] == tok.mask_id()) positions.push_back(int64_t(i));
  }
  if (positions.empty()) fail("fill-mask: no <mask> in \"{}\"", text);

  at::NoGradGuard no_grad;
  model->train(false);
  const auto device = model->decoder_weight().device();
  std::vector<int64_t> ids64(ids.begin(), ids.end());
  at::Tensor input = at::tensor(ids64, at::kLong).unsqueeze(0).to(device);         // [1,T]
  at::Tensor where = at::tensor(positions, at::kLong).to(device);                    // [M]
  at::Tensor logits = model->forward(input, where).to(at::kCPU).to(at::kFloat);      // [M,V]
  // Only the tokenizer's ids can be predicted (the table may have spare rows).
  const int64_t V = std::min<int64_t>(logits.size(1), tok.vocab_size());
  at::Tensor probs = at::softmax(logits.narrow(1, 0, V), -1);                       // [M,V]
  const int64_t k = std::min<int64_t>(std::max<int64_t>(top_k, 1), V);
  auto [top_p, top_i] = probs.topk(k, -1, /*largest=*/true, /*sorted=*/true);       // [M,k]
  std::vector<std::vector<MaskFiller>> out(positions.size());
  for (size_t m = 0; m < positions.size(); ++m) {
    for (int64_t j = 0; j < k; ++j) {
      MaskFiller f;
      f.token_id = int32_t(top_i[int64_t(m)][j].item<int64_t>());
      f.score = top_p[int64_t(m)][j].item<double>();
      f.token = tok.decode({f.token_id});
      out[m].push_back(std::move(f));
    }
  }
  return out;
}

}  // namespace roberta
