// See update_rng.h.
#include "roberta/train/update_rng.h"

#include <torch/utils.h>

#include "data/random.h"

namespace roberta {

uint64_t update_seed(uint64_t seed, int rank, int64_t step) {
  return data::hash_keys({seed, 0x64726f706f7574ULL /* "dropout" */, uint64_t(rank), uint64_t(step)});
}

void seed_update_rng(uint64_t seed, int rank, int64_t step) { torch::manual_seed(update_seed(seed, rank, step)); }

}  // namespace roberta
