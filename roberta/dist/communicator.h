// The one interface the training code talks to for anything distributed (STYLE.md rule 9).
// SingleProcessCommunicator makes every call a no-op, so the training loop has no
// world-size special cases; C10dCommunicator runs the collectives over LibTorch's c10d
// (Gloo on CPU, NCCL on CUDA). Every collective fails with roberta::Error after
// dist.timeout_s instead of hanging (e.g. when a rank died).
//
// Every tensor a collective touches lives on device(): CPU for Gloo and a single process,
// cuda:LOCAL_RANK for NCCL (which takes CUDA tensors only). Training code hands over
// parameters and gradients (on the training device, which the backend was chosen to match)
// and host numbers through the *_values calls, which place them on device() themselves.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

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
  virtual c10::Device device() const = 0;   // where the tensors of every collective live

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
  // In place: each number becomes its sum over ranks (counts, metric sums, flags). Exact for
  // integers below 2^53.
  virtual void all_reduce_sum_values(std::vector<double>& values) = 0;
  // In place: every rank gets rank 0's numbers (a decision rank 0 made, e.g. where to resume).
  virtual void broadcast_values(std::vector<int64_t>& values) = 0;
  // Blocks until every rank has reached it.
  virtual void barrier() = 0;
  // After a successful run: waits until every rank got here, so no rank closes connections
  // another is still reading. Not called on error paths (a failing rank leaves at once; the
  // others' collectives fail or time out).
  virtual void shutdown() {}
  // The gradient synchroniser for these parameters (fixed for the run, after the model is on
  // its device; frozen ones and duplicates are left out). It first makes every rank's
  // parameters rank 0's, as DistributedDataParallel does when it wraps a model, then:
  // c10d::Reducer overlap when dist.overlap, else all_reduce_gradients after backward.
  virtual std::unique_ptr<GradientSync> make_gradient_sync(const std::vector<at::Tensor>& params) = 0;
};

// dist.backend and the device this rank trains on -> "gloo" or "nccl". The backend follows
// the tensors: auto is nccl on CUDA and gloo on CPU; gloo with CUDA tensors, nccl with CPU
// tensors, or nccl in a build without it is a roberta::Error naming the keys.
std::string choose_backend(const std::string& configured, const c10::Device& device, bool nccl_built);
// Whether this build has NCCL (LibTorch built with CUDA and USE_C10D_NCCL).
bool nccl_built();

// A single process when the environment's world size is 1 and dist.backend is auto, else c10d
// with choose_backend's backend (a named backend with one process is a real one-rank group). device: where this rank trains (resolve_device); for NCCL it is made the current
// CUDA device before the process group exists.
std::unique_ptr<Communicator> make_communicator(const DistOptions& options, const DistEnvironment& env,
                                                const c10::Device& device);
// CPU training, environment read from the launcher's variables (dist-selftest, tests).
std::unique_ptr<Communicator> make_communicator(const DistOptions& options);
std::unique_ptr<Communicator> make_communicator(const DistOptions& options, const DistEnvironment& env);

}  // namespace roberta
