// Which device a rank trains on, as a pure function of (train.device, launcher environment,
// visible CUDA devices): every case a multi-GPU node can present, checked without a GPU.
#include "tests/catch.h"

#include "roberta/train/precision.h"
#include "util/error.h"

using roberta::choose_device;
using roberta::DeviceKind;
using roberta::DistEnvironment;
using Catch::Matchers::ContainsSubstring;

namespace {

DistEnvironment rank(int global, int local, int world, const std::string& source = "torchrun") {
  DistEnvironment env;
  env.rank = global;
  env.local_rank = local;
  env.world_size = world;
  env.source = source;
  return env;
}

c10::Device cuda(int index) { return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index)); }

}  // namespace

TEST_CASE("device: every rank of a node on its own GPU, cuda:LOCAL_RANK", "[device]") {
  // 2 nodes x 4 GPUs: global ranks 4..7 are local ranks 0..3 of the second node.
  for (int local = 0; local < 4; ++local) {
    CHECK(choose_device(DeviceKind::cuda, rank(4 + local, local, 8), 4, nullptr) == cuda(local));
    CHECK(choose_device(DeviceKind::automatic, rank(4 + local, local, 8), 4, nullptr) == cuda(local));
  }
  CHECK(choose_device(DeviceKind::automatic, rank(0, 0, 1), 8, nullptr) == cuda(0));
}

TEST_CASE("device: cpu when asked, or auto without a GPU", "[device]") {
  CHECK(choose_device(DeviceKind::cpu, rank(3, 3, 4), 4, nullptr) == c10::Device(c10::kCPU));
  CHECK(choose_device(DeviceKind::automatic, rank(3, 3, 4), 0, nullptr) == c10::Device(c10::kCPU));
  // CPU training does not need the local rank.
  CHECK(choose_device(DeviceKind::cpu, rank(3, -1, 4), 4, nullptr) == c10::Device(c10::kCPU));
}

TEST_CASE("device: one visible GPU per task (scheduler binding) is that GPU", "[device]") {
  // srun --gpus-per-task=1: every task sees exactly its own GPU as device 0.
  CHECK(choose_device(DeviceKind::cuda, rank(1, -1, 2, "slurm"), 1, "GPU-8f2c") == cuda(0));
  // One GPU on the machine and two local ranks without binding: they would share it (NCCL
  // refuses a duplicate GPU); say so here instead.
  CHECK_THROWS_WITH(choose_device(DeviceKind::cuda, rank(1, 1, 2), 1, nullptr),
                    ContainsSubstring("more ranks than GPUs") && ContainsSubstring("CUDA_VISIBLE_DEVICES=unset"));
  CHECK_THROWS_WITH(choose_device(DeviceKind::cuda, rank(1, 1, 2), 1, "0,1"), ContainsSubstring("more ranks than GPUs"));
  CHECK(choose_device(DeviceKind::cuda, rank(5, 3, 8, "slurm"), 1, "3") == cuda(0));
}

TEST_CASE("device: the cases that must stop with a message naming the variable", "[device]") {
  CHECK_THROWS_WITH(choose_device(DeviceKind::cuda, rank(0, 0, 1), 0, nullptr),
                    ContainsSubstring("train.device") && ContainsSubstring("found none"));
  // More ranks than GPUs on a node.
  CHECK_THROWS_WITH(choose_device(DeviceKind::cuda, rank(5, 5, 8), 4, nullptr),
                    ContainsSubstring("LOCAL_RANK") && ContainsSubstring("4 CUDA device(s)") &&
                        ContainsSubstring("found 5"));
  // The launcher did not say which GPU: no silent cuda:0 for every rank.
  CHECK_THROWS_WITH(choose_device(DeviceKind::automatic, rank(1, -1, 2), 2, nullptr),
                    ContainsSubstring("LOCAL_RANK") && ContainsSubstring("rank 1 of 2"));
  CHECK_THROWS_WITH(choose_device(DeviceKind::cuda, rank(1, -1, 2, "slurm"), 2, nullptr), ContainsSubstring("SLURM_LOCALID"));
  CHECK_THROWS_WITH(choose_device(DeviceKind::cuda, rank(1, -1, 2, "openmpi"), 2, nullptr),
                    ContainsSubstring("OMPI_COMM_WORLD_LOCAL_RANK"));
}
