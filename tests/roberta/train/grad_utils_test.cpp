// Grad norm and clipping on hand-sized vectors; the non-finite guard's skip-and-stop policy;
// the fp16 loss scaler's backoff and growth rules (PyTorch GradScaler's semantics).
#include "roberta/train/grad_utils.h"
#include "roberta/train/loss_scaler.h"
#include "roberta/train/nonfinite_guard.h"

#include "util/error.h"

#include "tests/catch.h"
#include <torch/serialize.h>

#include <cmath>
#include <limits>

namespace {
at::Tensor param_with_grad(std::vector<float> grad) {
  auto p = at::zeros({static_cast<int64_t>(grad.size())}).set_requires_grad(true);
  p.mutable_grad() = at::tensor(grad);
  return p;
}
}  // namespace

TEST_CASE("global grad norm over tensors, clipping to max norm", "[train][grad]") {
  // (3, 4) and (12): sqrt(9 + 16 + 144) = 13. A param without grad counts as zero.
  std::vector<at::Tensor> params{param_with_grad({3, 4}), param_with_grad({12}),
                                 at::zeros({3}).set_requires_grad(true)};
  const double norm = roberta::grad_norm(params);
  CHECK(norm == Approx(13.0));
  CHECK(roberta::clip_grad_norm(params, 0.0, norm) == 1.0);   // disabled
  CHECK(roberta::clip_grad_norm(params, 20.0, norm) == 1.0);  // already below
  const double factor = roberta::clip_grad_norm(params, 6.5, norm);
  CHECK(factor == Approx(0.5).epsilon(1e-6));
  CHECK(roberta::grad_norm(params) == Approx(6.5).epsilon(1e-6));
  CHECK(params[0].grad()[1].item<float>() == Approx(2.0f).epsilon(1e-6));
}

TEST_CASE("non-finite gradients give a non-finite norm", "[train][grad]") {
  const float inf = std::numeric_limits<float>::infinity();
  CHECK_FALSE(roberta::is_finite(roberta::grad_norm({param_with_grad({1, inf})})));
  CHECK_FALSE(roberta::is_finite(roberta::grad_norm({param_with_grad({std::nanf(""), 1})})));
  // Large but finite: sqrt(2) 1e15. (Like torch.nn.utils.clip_grad_norm_, norms are fp32 per
  // tensor, so a tensor norm above ~1.8e19 overflows and counts as non-finite.)
  CHECK(roberta::grad_norm({param_with_grad({1e15f, 1e15f})}) == Approx(std::sqrt(2.0) * 1e15));
}

TEST_CASE("NonFiniteGuard skips, counts, resets, and stops after K in a row", "[train][grad]") {
  roberta::NonFiniteGuard guard(3);
  CHECK(guard.check(true, 1));
  CHECK_FALSE(guard.check(false, 2));
  CHECK_FALSE(guard.check(false, 3));
  CHECK(guard.skipped_in_a_row() == 2);
  CHECK(guard.check(true, 4));  // a finite update resets the run
  CHECK(guard.skipped_in_a_row() == 0);
  CHECK(guard.skipped_total() == 2);
  CHECK_FALSE(guard.check(false, 5));
  CHECK_FALSE(guard.check(false, 6));
  try {
    guard.check(false, 7);
    FAIL("no Error after 3 non-finite updates in a row");
  } catch (const roberta::Error& e) {
    CHECK_THAT(e.what(), Catch::Matchers::ContainsSubstring("3 updates in a row") &&
                             Catch::Matchers::ContainsSubstring("step 7"));
  }
  roberta::NonFiniteGuard unlimited(0);
  for (int i = 0; i < 100; ++i) CHECK_FALSE(unlimited.check(false, i));
}

TEST_CASE("dynamic loss scaler: 2^16 start, halve on overflow, double after the interval",
          "[train][grad]") {
  roberta::LossScalerOptions options;
  options.growth_interval = 3;
  roberta::DynamicLossScaler scaler(options);
  CHECK(scaler.scale() == 65536.0);
  CHECK(scaler.scale_loss(at::ones({})).item<double>() == 65536.0);

  // Gradients scaled by 2^16 come back divided; a finite result reports true.
  std::vector<at::Tensor> params{param_with_grad({65536.0f, 131072.0f})};
  CHECK(scaler.unscale(params));
  CHECK(params[0].grad()[1].item<float>() == 2.0f);
  params[0].mutable_grad() = at::tensor({std::numeric_limits<float>::infinity(), 0.0f});
  CHECK_FALSE(scaler.unscale(params));

  scaler.update(true);
  CHECK(scaler.scale() == 32768.0);
  scaler.update(false);
  scaler.update(false);
  CHECK(scaler.scale() == 32768.0);
  scaler.update(false);  // third clean step in a row
  CHECK(scaler.scale() == 65536.0);
  scaler.update(false);
  scaler.update(true);  // overflow resets the clean count
  scaler.update(false);
  scaler.update(false);
  CHECK(scaler.scale() == 32768.0);

  torch::serialize::OutputArchive out;
  scaler.save(out);
  std::stringstream buffer;
  out.save_to(buffer);
  torch::serialize::InputArchive in;
  in.load_from(buffer);
  roberta::DynamicLossScaler restored(options);
  restored.load(in);
  CHECK(restored.scale() == 32768.0);
  CHECK(restored.clean_steps() == 2);

  roberta::LossScalerOptions tiny;
  tiny.init_scale = 1.0;
  tiny.min_scale = 0.5;
  roberta::DynamicLossScaler doomed(tiny);
  doomed.update(true);  // 0.5: still allowed
  CHECK_THROWS_AS(doomed.update(true), roberta::Error);
}
