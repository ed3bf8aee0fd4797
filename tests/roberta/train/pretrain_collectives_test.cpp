// What a real pretraining run hands its communicator. NCCL reduces CUDA tensors only, so a
// trainer that builds its own collective tensors on the CPU (metric sums, masked-token counts,
// loader positions) fails at its first log line on GPUs. The stand-in below plays an NCCL
// communicator on cuda:0 on a CPU-only machine: it rejects every tensor not on cuda:0, and
// accepts numbers through the *_values calls, which a real communicator places on its device.
#include <ATen/ATen.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "roberta/dist/single_process_communicator.h"
#include "roberta/train/pretrainer.h"
#include "tests/roberta/train/pretrain_inprocess.h"
#include "util/error.h"

#undef CHECK
#include "tests/catch.h"

namespace {

class NcclStandIn : public roberta::SingleProcessCommunicator {
 public:
  std::string backend() const override { return "nccl"; }
  c10::Device device() const override { return c10::Device(c10::kCUDA, 0); }
  void broadcast(const std::vector<at::Tensor>& tensors) override { check(tensors, "broadcast"); }
  void all_reduce_sum(const std::vector<at::Tensor>& tensors) override { check(tensors, "all_reduce_sum"); }
  void all_reduce_gradients(const std::vector<at::Tensor>& params) override { check(params, "all_reduce_gradients"); }
  void all_reduce_sum_values(std::vector<double>& values) override { value_calls += values.empty() ? 0 : 1; }
  void broadcast_values(std::vector<int64_t>& values) override { value_calls += values.empty() ? 0 : 1; }
  // One rank: no gradient exchange (a real NCCL group's gradients are on the GPU anyway).
  std::unique_ptr<roberta::GradientSync> make_gradient_sync(const std::vector<at::Tensor>&) override {
    struct Local : roberta::GradientSync {
      void begin_micro_step(bool, const at::Tensor&) override {}
      void finish() override {}
    };
    return std::make_unique<Local>();
  }

  int value_calls = 0;

 private:
  void check(const std::vector<at::Tensor>& tensors, const char* what) const {
    for (const auto& t : tensors) {
      if (t.defined() && t.device() != device()) {
        roberta::fail("{}: a tensor on {} reached the nccl communicator, which takes {} tensors only", what,
                      t.device().str(), device().str());
      }
    }
  }
};

}  // namespace

TEST_CASE("pretraining hands an NCCL communicator no CPU tensor: logging, validation, checkpoint, resume",
          "[pretrain][dist]") {
  namespace fs = std::filesystem;
  roberta::Config config = roberta::test::inprocess_config("nccl_standin", 2);
  fs::remove_all(config.train.out_dir);
  NcclStandIn comm;
  roberta::PretrainResult first = roberta::pretrain(config, comm);  // logs, validates, saves every step
  CHECK(first.step == 2);
  CHECK(std::isfinite(first.last_valid_loss));
  CHECK(fs::exists(fs::path(config.train.out_dir) / "checkpoint-2" / "checkpoint.json"));
  const int calls_first = comm.value_calls;
  CHECK(calls_first >= 2 * 3 + 1);  // per step: counts, log, validation; then the checkpoint

  roberta::Config more = roberta::test::inprocess_config("nccl_standin", 3);
  roberta::PretrainResult resumed = roberta::pretrain(more, comm, /*force_resume=*/true);  // decision broadcast
  CHECK(resumed.step == 3);
  CHECK(comm.value_calls > calls_first);
  fs::remove_all(roberta::test::inprocess_root("nccl_standin"));
}
