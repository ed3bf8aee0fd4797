// Loss helpers that make gradient accumulation and data parallelism exact: losses are SUMMED
// over targets inside a micro-batch and divided by the target count of the whole global batch
// (all micro-batches, all ranks), so k micro-batches x r ranks give the gradient of one batch.
// Legend: M = masked tokens in the micro-batch, V = vocabulary, B = sequences.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>

namespace roberta {

// Sum over rows of the softmax cross-entropy of logits [M, V] against targets [M], the same
// value and gradient as at::cross_entropy_loss(..., Reduction::Sum, ignore_index). On float32
// CPU logits it runs the one-pass kernels of roberta/model/cpu_kernels.h (log_softmax +
// nll_loss make ~6 passes over [M, V] and zero-fill one); elsewhere it is cross_entropy_loss.
at::Tensor softmax_cross_entropy_sum(const at::Tensor& logits, const at::Tensor& targets,
                                     int64_t ignore_index = -100);

// Sum of cross-entropy over the masked tokens, in fp32 whatever the logits' dtype.
// logits: [M, V]; targets: [M] (int64; entries equal to ignore_index contribute nothing).
// Returns a 0-dim fp32 tensor (0 when M == 0).
at::Tensor mlm_loss_sum(const at::Tensor& logits, const at::Tensor& targets,
                        int64_t ignore_index = -100);

// Sum of the next-sentence-prediction cross-entropy. logits: [B, 2]; labels: [B] (1 = is next).
at::Tensor nsp_loss_sum(const at::Tensor& logits, const at::Tensor& labels);

// The share of the global loss that one micro-batch contributes: loss_sum / global_count.
// Backpropagating this from every micro-batch (and summing gradients over ranks, i.e. an
// all-reduce SUM, not an average) gives the gradient of the global mean. global_count: the
// target count over all micro-batches and all ranks of the update; 0 gives a zero loss that
// still carries the graph (an update with nothing masked must not divide by zero).
at::Tensor scale_loss(const at::Tensor& loss_sum, int64_t global_count);

// Number of targets that count in a micro-batch (entries != ignore_index). targets: [M].
int64_t count_targets(const at::Tensor& targets, int64_t ignore_index = -100);

// exp(mean loss) for logging, capped so a diverging run prints a number rather than inf.
double perplexity(double mean_loss);

}  // namespace roberta
