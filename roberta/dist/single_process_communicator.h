// The communicator of a one-process run: every collective is the identity.
#pragma once

#include "roberta/dist/communicator.h"

namespace roberta {

class SingleProcessCommunicator : public Communicator {
 public:
  SingleProcessCommunicator() = default;
  explicit SingleProcessCommunicator(DistEnvironment env, c10::Device device = c10::kCPU)
      : env_(std::move(env)), device_(device) {}

  int rank() const override { return 0; }
  int world_size() const override { return 1; }
  const DistEnvironment& environment() const override { return env_; }
  std::string backend() const override { return "single"; }
  c10::Device device() const override { return device_; }
  void broadcast(const std::vector<at::Tensor>&) override {}
  void all_reduce_sum(const std::vector<at::Tensor>&) override {}
  void all_reduce_gradients(const std::vector<at::Tensor>&) override {}
  void all_reduce_sum_values(std::vector<double>&) override {}
  void broadcast_values(std::vector<int64_t>&) override {}
  void barrier() override {}
  std::unique_ptr<GradientSync> make_gradient_sync(const std::vector<at::Tensor>& params) override;

 private:
  DistEnvironment env_;
  c10::Device device_{c10::kCPU};
};

}  // namespace roberta
