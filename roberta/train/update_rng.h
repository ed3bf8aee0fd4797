// The randomness of one update: dropout is the only consumer of LibTorch's default generators
// while training (masking has its own counter-based RNG in data/). Seeding them at every update
// from (train.seed, rank, step) gives each rank its own dropout masks (one seed everywhere
// would drop the same units on every rank) and makes a resumed run draw exactly the masks an
// uninterrupted one draws, on CPU and CUDA alike, with no generator state in the checkpoint.
#pragma once

#include <cstdint>

namespace roberta {

// The seed of update `step` on `rank`: a hash of the three, different for every pair.
uint64_t update_seed(uint64_t seed, int rank, int64_t step);

// Seeds the CPU generator and every CUDA device's (torch::manual_seed) with update_seed.
void seed_update_rng(uint64_t seed, int rank, int64_t step);

}  // namespace roberta
