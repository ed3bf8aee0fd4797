// The one interface the training code talks to for anything distributed (STYLE.md rule 9).
// SingleProcessCommunicator makes every call a no-op, so the training loop has no
// world-size special cases; C10dCommunicator runs the collectives over LibTorch's c10d
// (Gloo on CPU, NCCL on CUDA). Every collective fails with roberta::Error after
// dist.timeout_s instead of hanging (e.g. when a rank died).
#pragma once

#include <ATen/core/Tensor.h>

#include <memory>
#include <string>
#include <vector>

#include "roberta/dist/environment.h"
#include "roberta/dist/gradient_sync.h"
#include "roberta/dist/options.h"

namespace roberta {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  int local_rank() const { return environment().local_rank; }
  bool is_main() const { return rank() == 0; }  // the rank that logs and writes checkpoints
  virtual const DistEnvironment& environment() const = 0;
  virtual std::string backend() const = 0;  // "single", "gloo" or "nccl"

  // Overwrites every tensor with rank 0's values (parameters and buffers at start).
  virtual void broadcast(const std::vector<at::Tensor>& tensors) = 0;
  // In place: each tensor becomes the element-wise sum over ranks (e.g. masked-token counts).
  virtual void all_reduce_sum(const std::vector<at::Tensor>& tensors) = 0;
  void all_reduce_sum(const at::Tensor& tensor) { all_reduce_sum(std::vector<at::Tensor>{tensor}); }
  // In place: the .grad of every parameter becomes the sum over ranks, communicated in
  // flattened buckets of dist.bucket_mb. Parameters without a gradient are skipped (every
  // rank must have gradients for the same parameters); a tensor listed twice (tied weights)
  // is reduced once.
  virtual void all_reduce_gradients(const std::vector<at::Tensor>& params) = 0;
  // Blocks until every rank has reached it.
  virtual void barrier() = 0;
  // After a successful run: waits until every rank got here, so no rank closes connections
  // another is still reading. Not called on error paths (a failing rank leaves at once; the
  // others' collectives fail or time out).
  virtual void shutdown() {}
  // The gradient synchroniser for these parameters (fixed for the run, after the model is on
  // its device; frozen ones and duplicates are left out):
  // c10d::Reducer overlap when dist.overlap, else all_reduce_gradients after backward.
  virtual std::unique_ptr<GradientSync> make_gradient_sync(const std::vector<at::Tensor>& params) = 0;
};

// From the environment (environment.h): a single process when world size is 1, else c10d
// with the backend of options (auto = nccl when CUDA is available and compiled in, else gloo).
std::unique_ptr<Communicator> make_communicator(const DistOptions& options);
// Same, from an explicit environment (tests, threads standing in for ranks).
std::unique_ptr<Communicator> make_communicator(const DistOptions& options, const DistEnvironment& env);

}  // namespace roberta
