// Gradient sync over an accumulation window with two Gloo ranks: no communication on the
// early micro-steps, the exact sum over ranks and micro-steps after the last one. Checked
// against hand-computed sums (linear loss) and against single-process autograd over all
// ranks' data (non-linear model), for both the Reducer path and the bucketed fallback.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/grad_mode.h>

#include "rank_threads.h"

// After the torch headers: glog (via c10) defines its own CHECK.
#undef CHECK
#include "tests/catch.h"

using roberta::Communicator;
using roberta::DistOptions;
using roberta::test::run_ranks;

namespace {

// Micro-batch of rank r, micro-step m for the linear case: one row [r+1, m+1, 10].
at::Tensor linear_input(int r, int m) {
  return at::tensor({r + 1.0f, m + 1.0f, 10.0f}).reshape({1, 3});  // (1, 3)
}

}  // namespace

TEST_CASE("gradient sync: no communication until the last micro-step, then the exact sum", "[dist]") {
  const int micro_steps = 3;
  auto overlap = GENERATE(true, false);
  DYNAMIC_SECTION((overlap ? "Reducer (overlapped)" : "bucketed after backward")) {
    DistOptions options;
    options.overlap = overlap;
    options.timeout_s = 30;
    // One slot per rank, written only by that rank's thread (a shared push_back would race).
    std::vector<std::vector<float>> after_first(2);
    std::vector<std::vector<float>> window_grad_w[2] = {std::vector<std::vector<float>>(2),
                                                        std::vector<std::vector<float>>(2)};
    std::vector<std::vector<float>> window_grad_b[2] = {std::vector<std::vector<float>>(2),
                                                        std::vector<std::vector<float>>(2)};
    run_ranks(2, options, [&](Communicator& communicator) {
      int r = communicator.rank();
      auto weight = at::zeros({2, 3}).requires_grad_();  // (out 2, in 3)
      auto bias = at::zeros({2}).requires_grad_();
      auto frozen = at::zeros({2}).requires_grad_(false);
      // weight listed twice, as a tied weight is by Module::parameters(): reduced once
      auto sync = communicator.make_gradient_sync({weight, bias, weight, frozen});
      for (int window = 0; window < 2; window++) {  // the 2nd window runs on rebuilt buckets
        for (int m = 0; m < micro_steps; m++) {
          // loss = sum_i (W x + b)_i: dL/dW[i][j] = x_j, dL/db[i] = 1 per row
          auto loss = (at::matmul(linear_input(r, m), weight.t()) + bias).sum();
          sync->backward(loss, m == micro_steps - 1);
          if (window == 0 && m == 0) {
            auto g = weight.grad()[0];
            after_first[r] = {g[0].item<float>(), g[1].item<float>(), g[2].item<float>()};
          }
        }
        auto gw = weight.grad().reshape({-1});
        for (int k = 0; k < 6; k++) window_grad_w[window][r].push_back(gw[k].item<float>());
        window_grad_b[window][r] = {bias.grad()[0].item<float>(), bias.grad()[1].item<float>()};
        weight.mutable_grad().zero_();
        bias.mutable_grad().zero_();
      }
    });
    // After micro-step 0 each rank still holds only its own gradient.
    CHECK(after_first[0] == std::vector<float>{1, 1, 10});
    CHECK(after_first[1] == std::vector<float>{2, 1, 10});
    // Sums over 2 ranks x 3 micro-steps: x0 = 3 (1 + 2), x1 = 2 (1 + 2 + 3), x2 = 6 x 10.
    for (int window = 0; window < 2; window++) {
      for (const auto& g : window_grad_w[window]) CHECK(g == std::vector<float>{9, 12, 60, 9, 12, 60});
      for (const auto& g : window_grad_b[window]) CHECK(g == std::vector<float>{6, 6});
    }
  }
}

namespace {

// A small non-linear model as raw parameters: y = W2 tanh(W1 x + b1) + b2.
struct TinyMlp {
  std::vector<at::Tensor> params;  // W1 (16, 8), b1 (16), W2 (4, 16), b2 (4)
  explicit TinyMlp(uint64_t seed) {
    auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
    for (auto shape : std::vector<std::vector<int64_t>>{{16, 8}, {16}, {4, 16}, {4}}) {
      params.push_back(at::randn(shape, generator, at::TensorOptions()).requires_grad_());
    }
  }
  at::Tensor loss(const at::Tensor& x) const {  // x: (B, 8)
    auto h = at::tanh(at::matmul(x, params[0].t()) + params[1]);  // (B, 16)
    auto y = at::matmul(h, params[2].t()) + params[3];            // (B, 4)
    return y.pow(2).sum();
  }
};

at::Tensor mlp_input(int step, int r, int m) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(1000 * step + 10 * r + m);
  return at::randn({5, 8}, generator, at::TensorOptions());  // (5, 8)
}

}  // namespace

TEST_CASE("gradient sync over training steps equals single-process autograd on all ranks' data", "[dist]") {
  const int micro_steps = 2, steps = 3;
  const double lr = 0.01;
  auto overlap = GENERATE(true, false);
  DYNAMIC_SECTION((overlap ? "Reducer (overlapped)" : "bucketed after backward")) {
    DistOptions options;
    options.overlap = overlap;
    options.bucket_mb = 256.0 / (1024 * 1024);  // a few small buckets
    options.timeout_s = 30;
    std::vector<std::vector<at::Tensor>> final_params(2);
    run_ranks(2, options, [&](Communicator& communicator) {
      int r = communicator.rank();
      TinyMlp model(7 + r);  // different init: the broadcast must make them equal
      communicator.broadcast(model.params);
      auto sync = communicator.make_gradient_sync(model.params);
      for (int step = 0; step < steps; step++) {
        for (int m = 0; m < micro_steps; m++) sync->backward(model.loss(mlp_input(step, r, m)), m == micro_steps - 1);
        at::NoGradGuard no_grad;
        for (auto& p : model.params) {
          p.sub_(p.grad() * lr);
          p.mutable_grad().zero_();
        }
      }
      for (auto& p : model.params) final_params[r].push_back(p.detach().clone());
    });
    // Reference: one process, rank 0's init, gradient of the summed loss over every
    // (rank, micro-step) batch.
    TinyMlp reference(7);
    for (int step = 0; step < steps; step++) {
      for (int r = 0; r < 2; r++) {
        for (int m = 0; m < micro_steps; m++) reference.loss(mlp_input(step, r, m)).backward();
      }
      at::NoGradGuard no_grad;
      for (auto& p : reference.params) {
        p.sub_(p.grad() * lr);
        p.mutable_grad().zero_();
      }
    }
    for (int r = 0; r < 2; r++) {
      for (size_t i = 0; i < reference.params.size(); i++) {
        auto want = reference.params[i].detach();
        double relative = ((final_params[r][i] - want).abs().max() / want.abs().max()).item<double>();
        INFO("rank " << r << " parameter " << i);
        CHECK(relative < 1e-5);
      }
    }
    // The ranks agree with each other exactly (same reduced gradient applied).
    for (size_t i = 0; i < reference.params.size(); i++) CHECK(at::equal(final_params[0][i], final_params[1][i]));
  }
}
