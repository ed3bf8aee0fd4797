// <s> or mean pooling over the encoder's output.
#include "roberta/tasks/embedder.h"

#include <ATen/core/grad_mode.h>

#include "util/error.h"

namespace roberta {

Pooling parse_pooling(const std::string& name) {
  if (name == "cls") return Pooling::cls;
  if (name == "mean") return Pooling::mean;
  fail("--pool: expected cls or mean, found '{}'", name);
}

at::Tensor embed_texts(RobertaModel& model, const tokenizer::Tokenizer& tok, const std::vector<std::string>& texts,
                       Pooling pooling, int64_t max_len, int64_t batch) {
  at::NoGradGuard no_grad;
  model->train(false);
  const int64_t pad = model->options().pad_id;
  const auto device = model->embeddings->word_embeddings->weight.device();
  std::vector<at::Tensor> parts;
  for (size_t s = 0; s < texts.size(); s += size_t(batch)) {
    const size_t e = std::min(texts.size(), s + size_t(batch));
    std::vector<std::vector<int32_t>> ids;
    int64_t T = 0;
    for (size_t i = s; i < e; ++i) {
      std::vector<int32_t> one = tok.encode_single(texts[i]);
      if (int64_t(one.size()) > max_len) {
        one.resize(size_t(max_len));
        one.back() = tok.eos_id();
      }
      T = std::max<int64_t>(T, int64_t(one.size()));
      ids.push_back(std::move(one));
    }
    at::Tensor input = at::full({int64_t(ids.size()), T}, pad, at::kLong);  // [B,T]
    auto acc = input.accessor<int64_t, 2>();
    for (size_t b = 0; b < ids.size(); ++b) {
      for (size_t t = 0; t < ids[b].size(); ++t) acc[int64_t(b)][int64_t(t)] = ids[b][t];
    }
    at::Tensor hidden = model->forward(input.to(device)).to(at::kCPU).to(at::kFloat);  // [B,T,H]
    if (pooling == Pooling::cls) {
      parts.push_back(hidden.select(1, 0));  // [B,H]
    } else {
      at::Tensor mask = (input != pad).to(at::kFloat).unsqueeze(-1);  // [B,T,1]
      parts.push_back((hidden * mask).sum(1) / mask.sum(1));          // [B,H]
    }
  }
  if (parts.empty()) return at::zeros({0, model->options().hidden});
  return at::cat(parts, 0);  // [N,H]
}

}  // namespace roberta
