// Hidden timing case (run explicitly: test_model "[bench]"): forward + backward of the tiny
// preset's masked-LM step, B=16, T=128, 15% of positions through the LM head. Not an
// assertion about speed; it prints the median so docs/performance.md can quote it.
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

#include "roberta/model/task_models.h"

#include "tests/catch.h"

using namespace roberta;

TEST_CASE("tiny masked-LM forward+backward timing", "[.][bench]") {
  ModelOptions o;
  o.layers = 4;
  o.hidden = 256;
  o.heads = 4;
  o.ffn = 1024;
  RobertaForMaskedLM model(o);
  model->train();
  at::manual_seed(0);
  at::Tensor ids = at::randint(3, o.vocab_size, {16, 128}, at::kLong);
  at::Tensor positions = at::randperm(16 * 128, at::kLong).narrow(0, 0, 16 * 128 * 15 / 100);
  at::Tensor targets = at::randint(3, o.vocab_size, {positions.size(0)}, at::kLong);
  std::vector<double> ms;
  double loss = 0;
  for (int i = 0; i < 7; ++i) {
    auto start = std::chrono::steady_clock::now();
    model->zero_grad();
    at::Tensor logits = model->forward(ids, positions);
    at::Tensor l = at::cross_entropy_loss(logits, targets);
    l.backward();
    loss = l.item<double>();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::vector<double> timed(ms.begin() + 2, ms.end());
  std::sort(timed.begin(), timed.end());
  std::printf("tiny fwd+bwd B=16 T=128, %d threads: median %.1f ms\n", at::get_num_threads(), timed[timed.size() / 2]);
  // What was timed was a real step: the loss of random targets is about log(V) at init, and
  // the gradient reached the embeddings.
  CHECK(std::abs(loss - std::log(double(o.vocab_size))) < 1.0);
  CHECK(model->roberta->embeddings->word_embeddings->weight.grad().abs().sum().item<double>() > 0);
}
