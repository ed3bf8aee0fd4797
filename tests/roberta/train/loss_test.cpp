// Summed losses against hand values, and the normalisation contract: micro-batches with
// unequal masked counts, each scaled by the global count, give the gradient of one big batch.
#include "roberta/train/loss.h"

#include "roberta/model/cpu_kernels.h"

#include "tests/catch.h"
#include <torch/nn/modules/linear.h>

#include <cmath>

TEST_CASE("mlm_loss_sum is the summed cross-entropy (hand values)", "[train][loss]") {
  // Row 0: softmax([ln3, 0, 0]) = [3/5, 1/5, 1/5], target 0 -> -ln(3/5) = ln(5/3).
  // Row 1: same logits, target 1 -> ln 5. Row 2: ignored (-100). Sum = ln(25/3).
  auto logits = at::tensor({std::log(3.0), 0.0, 0.0, std::log(3.0), 0.0, 0.0, 9.0, 0.0, 0.0},
                           at::kDouble).reshape({3, 3});
  auto targets = at::tensor({0, 1, -100}, at::kLong);
  CHECK(roberta::mlm_loss_sum(logits, targets).item<double>() ==
        Approx(std::log(25.0 / 3.0)).epsilon(1e-6));
  CHECK(roberta::count_targets(targets) == 2);
  // bf16 logits are promoted: the result is fp32.
  CHECK(roberta::mlm_loss_sum(logits.to(at::kBFloat16), targets).scalar_type() == at::kFloat);
  // No masked tokens: zero, not nan.
  auto none = roberta::mlm_loss_sum(at::zeros({0, 3}), at::zeros({0}, at::kLong));
  CHECK(none.item<double>() == 0.0);

  // NSP: logits [0, 0] -> ln 2 whatever the label; two sequences -> 2 ln 2.
  auto nsp = roberta::nsp_loss_sum(at::zeros({2, 2}), at::tensor({0, 1}, at::kLong));
  CHECK(nsp.item<double>() == Approx(2 * std::log(2.0)));
}

TEST_CASE("scale_loss by the global count: unequal micro-batches == one batch",
          "[train][loss]") {
  at::manual_seed(3);
  const int64_t hidden = 4, vocab = 7;
  torch::nn::Linear head(hidden, vocab);  // stands in for the LM head: [M, H] -> [M, V]
  auto x = at::randn({10, hidden}, at::kDouble);  // 10 masked positions in the global batch
  auto targets = at::randint(vocab, {10}, at::kLong);
  head->to(at::kDouble);

  // Reference: one batch, mean cross-entropy over all 10 tokens.
  auto reference = at::cross_entropy_loss(head->forward(x), targets);
  reference.backward();
  std::vector<at::Tensor> want;
  for (auto& p : head->parameters()) {
    want.push_back(p.grad().clone());
    p.mutable_grad().reset();
  }

  // 2 "ranks" x 2 accumulation steps with 1, 5, 0 and 4 masked tokens: every micro-batch
  // divides its sum by the global 10, gradients add up (accumulation, then all-reduce SUM).
  const int64_t sizes[] = {1, 5, 0, 4};
  int64_t global = 0;
  for (auto n : sizes) global += n;
  REQUIRE(global == 10);
  int64_t start = 0;
  double logged_sum = 0;
  for (auto n : sizes) {
    auto xs = x.narrow(0, start, n), ts = targets.narrow(0, start, n);
    auto sum = roberta::mlm_loss_sum(head->forward(xs), ts);
    logged_sum += sum.item<double>();
    roberta::scale_loss(sum, global).backward();
    start += n;
  }
  auto params = head->parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    CHECK(at::allclose(params[i].grad().to(at::kDouble), want[i], /*rtol=*/1e-6, /*atol=*/1e-7));
  }
  // The logged mean equals the reference loss (fp32 summation inside mlm_loss_sum).
  CHECK(logged_sum / global == Approx(reference.item<double>()).epsilon(1e-6));

  // A per-micro-batch mean (the classic bug) does not: documents why the contract exists.
  for (auto& p : head->parameters()) p.mutable_grad().reset();
  start = 0;
  for (auto n : sizes) {
    if (n > 0) {
      auto xs = x.narrow(0, start, n), ts = targets.narrow(0, start, n);
      (at::cross_entropy_loss(head->forward(xs), ts) / 3.0).backward();  // 3 non-empty
    }
    start += n;
  }
  CHECK_FALSE(at::allclose(params[0].grad().to(at::kDouble), want[0], 1e-6, 1e-7));
}

TEST_CASE("scale_loss with a zero global count keeps the graph and gives zero",
          "[train][loss]") {
  auto w = at::ones({2}, at::kFloat).set_requires_grad(true);
  auto loss = roberta::scale_loss(w.sum(), 0);
  loss.backward();
  CHECK(loss.item<double>() == 0.0);
  CHECK(w.grad().abs().sum().item<double>() == 0.0);
  CHECK(roberta::perplexity(std::log(1356.2)) == Approx(1356.2));
  CHECK(std::isfinite(roberta::perplexity(1e6)));
}

TEST_CASE("softmax_cross_entropy_sum equals ATen's cross_entropy_loss, value and gradient",
          "[train][loss]") {
  at::manual_seed(11);
  // 37 rows over 1003 classes (not a multiple of the 8-lane width); logits at three scales,
  // the largest far outside exp's float range if the max were not subtracted.
  for (const bool avx2 : {true, false})
  for (double scale : {1.0, 8.0, 300.0}) {
    roberta::cpu_kernels_use_avx2(avx2);
    at::Tensor logits = (at::randn({37, 1003}) * scale).requires_grad_();
    at::Tensor targets = at::randint(1003, {37}, at::kLong);
    targets.index_put_({at::tensor({0, 5, 36}, at::kLong)}, -100);  // ignored rows
    at::Tensor ours = roberta::softmax_cross_entropy_sum(logits, targets);
    ours.mul(0.37).backward();
    at::Tensor ours_grad = logits.grad().clone();
    logits.grad().zero_();

    // Reference in float64: ATen's log_softmax + nll_loss.
    at::Tensor reference = at::cross_entropy_loss(logits.to(at::kDouble), targets, {}, at::Reduction::Sum, -100);
    reference.mul(0.37).backward();
    roberta::cpu_kernels_use_avx2(true);
    INFO("scale " << scale << (avx2 ? ", AVX2 path" : ", scalar path"));
    CHECK(ours.item<double>() == Approx(reference.item<double>()).epsilon(2e-6));
    CHECK((ours_grad - logits.grad()).abs().max().item<double>() < 5e-7);
    CHECK((ours_grad.index({0}) == 0).all().item<bool>());  // an ignored row gets no gradient
  }
}

TEST_CASE("softmax_cross_entropy_sum: -inf logits, NaN, bad targets, empty", "[train][loss]") {
  // A -inf logit is probability 0; the row's loss is finite.
  at::Tensor logits = at::zeros({2, 20});
  logits.index_put_({0, 3}, -INFINITY);
  at::Tensor targets = at::tensor({1, 2}, at::kLong);
  CHECK(roberta::softmax_cross_entropy_sum(logits, targets).item<double>() ==
        Approx(std::log(19.0) + std::log(20.0)).epsilon(1e-6));
  // A NaN logit makes the loss NaN (the non-finite guard must see it), on either path.
  logits.index_put_({1, 7}, NAN);
  CHECK(std::isnan(roberta::softmax_cross_entropy_sum(logits, targets).item<double>()));
  roberta::cpu_kernels_use_avx2(false);
  CHECK(std::isnan(roberta::softmax_cross_entropy_sum(logits, targets).item<double>()));
  roberta::cpu_kernels_use_avx2(true);
  // A target outside [0, V) is an error naming it, as in nll_loss.
  CHECK_THROWS_WITH(roberta::softmax_cross_entropy_sum(at::zeros({2, 20}), at::tensor({1, 20}, at::kLong)),
                    Catch::Matchers::ContainsSubstring("Target 20 is out of bounds"));
  CHECK(roberta::softmax_cross_entropy_sum(at::zeros({0, 20}), at::zeros({0}, at::kLong)).item<double>() == 0.0);
}
