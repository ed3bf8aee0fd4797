// Two CPU kernels that LibTorch 1.13 runs slowly, as raw loops over float arrays:
//
// - The dropout mask. 1.13's CPU dropout is bernoulli_ (one Mersenne-twister draw per element,
//   single-threaded without MKL: ~7 ns per element) + div_ + mul; in the tiny preset's training
//   step that is ~60 ms of ~750 for 8.5M elements. Here each element's keep/drop bit is a hash
//   of (seed, element index), vectorised and split across threads: same distribution, and the
//   mask depends only on the seed, never on the thread count.
// - Softmax cross-entropy over [M, V] logits (the masked LM loss, V = 50265): log_softmax +
//   nll_loss and their backward make ~6 passes over the logits and zero-fill a [M, V] tensor;
//   here the forward is one read (max, then sum of exponentials per row) and the backward one
//   read and one write.
//
// This file includes no ATen header but ATen/Parallel.h, so it compiles fast, on its own (not in
// a unity batch) and with its own flags; AVX2+FMA code paths are chosen at run time (a scalar path otherwise).
// Legend: M = rows, V = columns (vocabulary).
#pragma once

#include <cstdint>

namespace roberta {

// out[i] = (hash(seed, i) >= p * 2^32) ? 1 / (1 - p) : 0 for i in [0, n). 0 <= p < 1.
// Each element is dropped with probability p (to within 2^-32), independently of the others
// as far as a 2 x 32-bit-round integer hash allows (tests/roberta/model/cpu_kernels_test.cpp).
void dropout_mask_cpu(float* out, int64_t n, uint64_t seed, double p);

// Per row r of logits [M, V] (row-major, contiguous): shift[r] = max_j x[r, j],
// log_sum[r] = log(sum_j exp(x[r, j] - shift[r])) (so log-sum-exp = shift + log_sum, kept in two
// parts for precision), and row_loss[r] = shift[r] + log_sum[r] - x[r, targets[r]], or 0 where
// targets[r] == ignore_index. Targets must lie in [0, V) or equal ignore_index (the caller checks).
void softmax_xent_forward_cpu(const float* logits, int64_t rows, int64_t cols, const int64_t* targets,
                              int64_t ignore_index, float* shift, float* log_sum, double* row_loss);

// grad[r, j] = scale * (exp(x[r, j] - shift[r] - log_sum[r]) - [j == targets[r]]); rows whose
// target is ignore_index get 0.
void softmax_xent_backward_cpu(const float* logits, int64_t rows, int64_t cols, const int64_t* targets,
                               int64_t ignore_index, const float* shift, const float* log_sum, float scale,
                               float* grad);

// Whether the AVX2 paths may run (default yes, where the CPU has AVX2 and FMA); returns whether
// they now do. For the tests, which check the scalar and vector paths against each other.
bool cpu_kernels_use_avx2(bool allow);

}  // namespace roberta
