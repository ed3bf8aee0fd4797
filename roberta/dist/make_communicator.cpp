// Choosing the backend and the communicator: one process needs no network; otherwise c10d
// with the backend that takes the training device's tensors.
#include <c10/core/DeviceType.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>

#include "roberta/dist/c10d_communicator.h"
#include "roberta/dist/single_process_communicator.h"
#include "util/error.h"

namespace roberta {

bool nccl_built() {
#ifdef ROBERTA_WITH_NCCL
  return true;
#else
  return false;
#endif
}

std::string choose_backend(const std::string& configured, const c10::Device& device, bool nccl_available) {
  if (configured != "auto" && configured != "gloo" && configured != "nccl") {
    fail("dist.backend: expected auto, gloo or nccl, found '{}'", configured);
  }
  const std::string wanted = configured != "auto" ? configured : device.is_cuda() ? "nccl" : "gloo";
  if (wanted == "nccl" && !device.is_cuda()) {
    fail("dist.backend: nccl reduces CUDA tensors only, but this rank trains on {} (train.device); "
         "use dist.backend: gloo or auto for CPU training, or train.device: cuda",
         device.str());
  }
  if (wanted == "gloo" && device.is_cuda()) {
    fail("dist.backend: gloo does not take the CUDA tensors of train.device = {} for every "
         "collective; use dist.backend: nccl or auto on GPUs, or train.device: cpu",
         device.str());
  }
  if (wanted == "nccl" && !nccl_available) {
    fail("dist.backend: {} needs NCCL, and this build has none (LibTorch without CUDA/NCCL: "
         "rebuild against a CUDA LibTorch, see docs/distributed.md)",
         configured == "auto" ? "auto on CUDA" : "nccl");
  }
  return wanted;
}

std::unique_ptr<Communicator> make_communicator(const DistOptions& options, const DistEnvironment& env,
                                                const c10::Device& device) {
  const std::string backend = choose_backend(options.backend, device, nccl_built());
  if (options.bucket_mb <= 0) fail("dist.bucket_mb: expected a positive size in MB, found {}", options.bucket_mb);
  if (device.is_cuda()) {
    // Before any process group exists: NCCL binds its communicator to the current device, and
    // every CUDA call of this process should default to this rank's GPU, not GPU 0.
    c10::impl::getDeviceGuardImpl(c10::DeviceType::CUDA)->setDevice(device);
  }
  // One process needs no network, unless a backend was named: then it gets a real one-rank
  // group (checking the NCCL or Gloo path on one GPU or one machine).
  if (env.world_size == 1 && options.backend == "auto") return std::make_unique<SingleProcessCommunicator>(env, device);
  return std::make_unique<C10dCommunicator>(options, env, backend, device);
}

std::unique_ptr<Communicator> make_communicator(const DistOptions& options, const DistEnvironment& env) {
  return make_communicator(options, env, c10::Device(c10::kCPU));
}

std::unique_ptr<Communicator> make_communicator(const DistOptions& options) {
  return make_communicator(options, read_dist_environment());
}

}  // namespace roberta
