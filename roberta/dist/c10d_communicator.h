// Communicator over LibTorch's c10d: a TCPStore rendezvous at MASTER_ADDR:MASTER_PORT (rank 0
// hosts it), then ProcessGroupGloo (CPU tensors) or ProcessGroupNCCL (CUDA tensors, when
// compiled with ROBERTA_WITH_NCCL). Every wait is bounded by dist.timeout_s and a failure
// becomes a roberta::Error naming the operation, this rank and the timeout.
#pragma once

#include <c10/util/intrusive_ptr.h>

#include <chrono>
#include <string>

#include "roberta/dist/communicator.h"

namespace c10d {
class ProcessGroup;
class Store;
class Work;
}  // namespace c10d

namespace roberta {

class C10dCommunicator : public Communicator {
 public:
  // Rendezvous and connect to every rank; blocks until all world_size ranks have arrived
  // or dist.timeout_s has passed. backend: "gloo" or "nccl" (choose_backend's answer);
  // device: where this rank's tensors live (CPU for gloo, the current CUDA device for nccl).
  C10dCommunicator(const DistOptions& options, const DistEnvironment& env, const std::string& backend,
                   const c10::Device& device);
  ~C10dCommunicator() override;

  int rank() const override { return env_.rank; }
  int world_size() const override { return env_.world_size; }
  const DistEnvironment& environment() const override { return env_; }
  std::string backend() const override { return backend_; }
  c10::Device device() const override { return device_; }
  void broadcast(const std::vector<at::Tensor>& tensors) override;
  void all_reduce_sum(const std::vector<at::Tensor>& tensors) override;
  void all_reduce_gradients(const std::vector<at::Tensor>& params) override;
  void all_reduce_sum_values(std::vector<double>& values) override;
  void broadcast_values(std::vector<int64_t>& values) override;
  void barrier() override;
  std::unique_ptr<GradientSync> make_gradient_sync(const std::vector<at::Tensor>& params) override;

  const DistOptions& options() const { return options_; }
  const c10::intrusive_ptr<c10d::ProcessGroup>& process_group() const { return process_group_; }
  // A clean goodbye (the destructor calls it): a barrier, then a handshake over the store so
  // that no rank closes its connections while another still reads its last message (Gloo
  // resets such connections), with rank 0, which hosts the store, leaving last. Skipped once
  // a collective has failed.
  void shutdown() override;
  // Waits for work; on failure or after dist.timeout_s throws roberta::Error naming `what`.
  void wait(const c10::intrusive_ptr<c10d::Work>& work, const std::string& what) const;
  // The Error for a failed collective (also used by the Reducer path).
  [[noreturn]] void fail_collective(const std::string& what, double elapsed_s, const std::string& cause) const;

 private:
  // An invariant, not a user error: the tensor must be on device() (NCCL would fail deep
  // inside, Gloo would read device memory as host memory).
  void check_device(const at::Tensor& tensor, const char* what) const;
  // NCCL's own clean shutdown (LibTorch >= 2.3); nothing for Gloo.
  void shutdown_backend();

  DistOptions options_;
  DistEnvironment env_;
  std::string backend_;
  c10::Device device_{c10::kCPU};
  std::chrono::milliseconds timeout_;
  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::ProcessGroup> process_group_;
  mutable bool healthy_ = true;  // no collective has failed
  bool shut_down_ = false;
};

}  // namespace roberta
