// The hash-based dropout against the distribution it must have: each element dropped with
// probability p independently of its neighbours (binomial bounds at 6 sigma, chi-square of
// 8-element patterns), reproducible from torch's generator whatever the thread count, and a
// gradient equal to the mask.
#include "roberta/model/dropout.h"

#include "roberta/model/cpu_kernels.h"

#include <ATen/Parallel.h>

#include <cmath>
#include <vector>

// Last: torch pulls in glog, whose CHECK macro must not replace Catch's.
#include "tests/catch.h"

namespace {

std::vector<int> dropped_bits(const at::Tensor& mask) {
  auto m = mask.contiguous();
  const float* data = m.data_ptr<float>();
  std::vector<int> bits(static_cast<size_t>(m.numel()));
  for (size_t i = 0; i < bits.size(); ++i) bits[i] = data[i] == 0.0f ? 1 : 0;
  return bits;
}

// Pearson correlation of bits[i] and bits[i + lag].
double lag_correlation(const std::vector<int>& bits, size_t lag) {
  const size_t n = bits.size() - lag;
  double sx = 0, sy = 0, sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < n; ++i) {
    const double x = bits[i], y = bits[i + lag];
    sx += x, sy += y, sxy += x * y, sxx += x * x, syy += y * y;
  }
  const double cov = sxy / n - (sx / n) * (sy / n);
  return cov / std::sqrt((sxx / n - (sx / n) * (sx / n)) * (syy / n - (sy / n) * (sy / n)));
}

}  // namespace

TEST_CASE("dropout mask: values, drop rate within 6 sigma of p", "[model][dropout]") {
  const int64_t n = 1 << 20;
  for (double p : {0.1, 0.5, 0.9}) {
    at::Tensor mask = roberta::dropout_mask(n, p, 12345);
    const float keep = static_cast<float>(1.0 / (1.0 - p));
    CHECK(((mask == 0.0f) | (mask == keep)).all().item<bool>());
    const double dropped = (mask == 0.0f).sum().item<double>() / n;
    const double sigma = std::sqrt(p * (1 - p) / n);
    INFO("p = " << p << ", dropped " << dropped);
    CHECK(std::abs(dropped - p) < 6 * sigma);
    // The mean of the mask is 1: dropout keeps expectations.
    CHECK(mask.mean().item<double>() == Approx(1.0).margin(6 * sigma / (1 - p)));
  }
  CHECK((roberta::dropout_mask(1000, 0.0, 7) == 1.0f).all().item<bool>());
}

TEST_CASE("dropout mask: neighbours independent (lag correlation, 8-bit pattern chi-square)",
          "[model][dropout]") {
  const int64_t n = 1 << 21;
  const std::vector<int> bits = dropped_bits(roberta::dropout_mask(n, 0.5, 99));
  // Lag 1 (adjacent), 7 and 8 (the vector width), 64: |r| below 6 / sqrt(n) = 0.0041.
  for (size_t lag : {1, 7, 8, 64}) {
    INFO("lag " << lag);
    CHECK(std::abs(lag_correlation(bits, lag)) < 6.0 / std::sqrt(static_cast<double>(n)));
  }
  // Consecutive 8-bit patterns are uniform over 256 values at p = 0.5: chi-square with 255
  // degrees of freedom (mean 255, sd 22.6); fail above mean + 6 sd.
  std::vector<double> counts(256, 0.0);
  const size_t groups = bits.size() / 8;
  for (size_t g = 0; g < groups; ++g) {
    int pattern = 0;
    for (int b = 0; b < 8; ++b) pattern = pattern * 2 + bits[g * 8 + b];
    counts[static_cast<size_t>(pattern)] += 1;
  }
  const double expected = static_cast<double>(groups) / 256;
  double chi2 = 0;
  for (double c : counts) chi2 += (c - expected) * (c - expected) / expected;
  CHECK(chi2 < 255 + 6 * std::sqrt(2 * 255.0));
}

TEST_CASE("dropout mask: a function of the seed, not of the thread count", "[model][dropout]") {
  const int64_t n = 300001;  // several parallel chunks and a ragged tail
  const int threads = at::get_num_threads();
  at::set_num_threads(1);
  at::Tensor one = roberta::dropout_mask(n, 0.1, 42);
  at::set_num_threads(4);
  at::Tensor four = roberta::dropout_mask(n, 0.1, 42);
  at::set_num_threads(threads);
  CHECK(at::equal(one, four));
  // Nearby seeds give unrelated masks: agreement p^2 + (1-p)^2 = 0.82 at p = 0.1, within 6 sigma.
  for (uint64_t other : {43ULL, 42ULL + (1ULL << 32)}) {
    at::Tensor mask = roberta::dropout_mask(n, 0.1, other);
    const double agree = (mask == one).to(at::kDouble).mean().item<double>();
    INFO("seed " << other << ": agreement " << agree);
    CHECK(std::abs(agree - 0.82) < 6 * std::sqrt(0.82 * 0.18 / n));
  }
}

TEST_CASE("dropout: reproducible from torch's generator, identity in eval, gradient = mask",
          "[model][dropout]") {
  at::Tensor x = at::randn({4, 33, 17});
  at::manual_seed(5);
  at::Tensor a = roberta::dropout(x, 0.1, true);
  at::manual_seed(5);
  at::Tensor b = roberta::dropout(x, 0.1, true);
  CHECK(at::equal(a, b));
  CHECK(!at::equal(roberta::dropout(x, 0.1, true), a));  // the generator moved on
  CHECK(roberta::dropout(x, 0.1, false).is_same(x));
  CHECK(roberta::dropout(x, 0.0, true).is_same(x));
  CHECK((roberta::dropout(x, 1.0, true) == 0).all().item<bool>());

  // Non-contiguous input: the mask follows logical positions.
  at::Tensor xt = x.transpose(0, 2).requires_grad_();
  at::manual_seed(9);
  at::Tensor y = roberta::dropout(xt, 0.25, true);
  y.sum().backward();
  // d(sum y)/dx = mask = y / x (x has no zeros almost surely).
  CHECK(at::allclose(xt.grad(), y.detach() / xt.detach(), 1e-5, 1e-6));
  const double dropped = (xt.grad() == 0).to(at::kDouble).mean().item<double>();
  CHECK(std::abs(dropped - 0.25) < 6 * std::sqrt(0.25 * 0.75 / x.numel()));

  // Not float32 CPU: LibTorch's dropout, same contract.
  at::Tensor xd = at::ones({1000}, at::kDouble);
  at::Tensor yd = roberta::dropout(xd, 0.5, true);
  CHECK(((yd == 0) | (yd == 2)).all().item<bool>());
}

TEST_CASE("dropout mask: the AVX2 path and the scalar path give the same bits", "[model][dropout]") {
  const bool avx2 = roberta::cpu_kernels_use_avx2(true);
  at::Tensor vector_mask = roberta::dropout_mask(100003, 0.3, 0xDEADBEEFCAFEULL);
  roberta::cpu_kernels_use_avx2(false);
  at::Tensor scalar_mask = roberta::dropout_mask(100003, 0.3, 0xDEADBEEFCAFEULL);
  roberta::cpu_kernels_use_avx2(true);
  INFO("AVX2 available: " << avx2);
  CHECK(at::equal(vector_mask, scalar_mask));
}
