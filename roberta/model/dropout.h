// Dropout for every layer of the model. On float32 CPU tensors it multiplies by a mask from
// the hash kernel in cpu_kernels.h (LibTorch 1.13's CPU dropout spends ~7 ns per element in
// bernoulli_); elsewhere (CUDA, bf16, fp16) it is at::dropout. The mask's seed is one 64-bit
// draw from torch's default CPU generator, so torch::manual_seed (which the trainer calls at
// every update from the seed, rank and step) makes it reproducible, whatever the number of threads.
#pragma once

#include <ATen/ATen.h>

namespace roberta {

// x with each element zeroed with probability p and the rest scaled by 1 / (1 - p); x itself
// when !training or p == 0. Differentiable (the gradient is the same mask times the incoming one).
at::Tensor dropout(const at::Tensor& x, double p, bool training);

// The mask dropout(x, p, true) multiplies x by, for a float32 CPU x of n elements, drawn with
// the given seed: exposed for the tests.
at::Tensor dropout_mask(int64_t n, double p, uint64_t seed);

}  // namespace roberta
