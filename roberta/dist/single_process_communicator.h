// The communicator of a one-process run: every collective is the identity.
#pragma once

#include "roberta/dist/communicator.h"

namespace roberta {

class SingleProcessCommunicator : public Communicator {
 public:
  SingleProcessCommunicator() = default;
  explicit SingleProcessCommunicator(DistEnvironment env) : env_(std::move(env)) {}
  int rank() const override { return 0; }
  int world_size() const override { return 1; }
  const DistEnvironment& environment() const override { return env_; }
  std::string backend() const override { return "single"; }
  void broadcast(const std::vector<at::Tensor>&) override {}
  void all_reduce_sum(const std::vector<at::Tensor>&) override {}
  void all_reduce_gradients(const std::vector<at::Tensor>&) override {}
  void barrier() override {}
  std::unique_ptr<GradientSync> make_gradient_sync(const std::vector<at::Tensor>& params) override;

 private:
  DistEnvironment env_;
};

}  // namespace roberta
