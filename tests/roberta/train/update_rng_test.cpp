// The dropout randomness of an update: each rank its own masks, the same masks again for the
// same (seed, rank, step), whatever ran before (what makes a resume exact).
#include <ATen/ATen.h>

#include <cmath>

#include "roberta/model/dropout.h"
#include "roberta/train/update_rng.h"

#undef CHECK
#include "tests/catch.h"

namespace {

// Which of 4096 units a training-mode dropout of p = 0.5 keeps, right after seeding.
at::Tensor kept(uint64_t seed, int rank, int64_t step) {
  roberta::seed_update_rng(seed, rank, step);
  return roberta::dropout(at::ones({4096}), 0.5, /*training=*/true).ne(0);
}

}  // namespace

TEST_CASE("dropout masks: one per (seed, rank, step), different across ranks and steps", "[train][rng]") {
  const at::Tensor rank0 = kept(7, 0, 5);
  const at::Tensor rank1 = kept(7, 1, 5);
  at::randn({100});  // whatever else drew from the generator in between
  CHECK(at::equal(kept(7, 0, 5), rank0));
  // Independent masks agree on about half the units; identical ones on all of them.
  const double same_ranks = rank0.eq(rank1).to(at::kDouble).mean().item<double>();
  const double same_steps = rank0.eq(kept(7, 0, 6)).to(at::kDouble).mean().item<double>();
  const double same_seeds = rank0.eq(kept(8, 0, 5)).to(at::kDouble).mean().item<double>();
  // 4096 fair coins: the share that agree is 0.5 +- 6 sigma (sigma = 0.5 / 64).
  for (double share : {same_ranks, same_steps, same_seeds}) CHECK(std::abs(share - 0.5) < 6 * 0.5 / 64);
  CHECK(roberta::update_seed(7, 0, 5) != roberta::update_seed(7, 1, 5));
  CHECK(roberta::update_seed(7, 1, 4) != roberta::update_seed(7, 0, 5));
}
