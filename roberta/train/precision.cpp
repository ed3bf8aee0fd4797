#include "roberta/train/precision.h"

#include <ATen/autocast_mode.h>
#include <torch/cuda.h>

#include <cstdlib>
#include <string>

#include "roberta/torch_version.h"

#include "util/error.h"

namespace roberta {

namespace {

// Whether CUDA_VISIBLE_DEVICES names exactly one device ("3", "GPU-8f2c...", not "0,1" or "").
bool names_one_device(const char* visible) {
  if (visible == nullptr) return false;
  const std::string list(visible);
  return !list.empty() && list.find(',') == std::string::npos && list != "-1";
}

}  // namespace

c10::Device choose_device(DeviceKind kind, const DistEnvironment& env, int cuda_device_count,
                          const char* cuda_visible_devices) {
  if (kind == DeviceKind::cpu || (kind == DeviceKind::automatic && cuda_device_count == 0)) {
    return c10::Device(c10::kCPU);
  }
  if (cuda_device_count == 0) fail("train.device: expected a visible CUDA device, found none (use cpu or auto)");
  // The scheduler gave this task its own GPU: it is device 0, whatever the local rank.
  if (cuda_device_count == 1 && names_one_device(cuda_visible_devices)) return c10::Device(c10::kCUDA, 0);
  const char* variable = env.source == "slurm" ? "SLURM_LOCALID" : env.source == "openmpi" ? "OMPI_COMM_WORLD_LOCAL_RANK" : "LOCAL_RANK";
  if (env.local_rank < 0) {
    fail("environment variable {}: expected this rank's index on its node (it picks the GPU of rank {} of {}), "
         "found nothing", variable, env.rank, env.world_size);
  }
  if (env.local_rank < cuda_device_count) return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(env.local_rank));
  fail("environment variable {}: expected a GPU index below the {} CUDA device(s) this process sees "
       "(CUDA_VISIBLE_DEVICES={}), found {}: more ranks than GPUs on this node",
       variable, cuda_device_count, cuda_visible_devices ? cuda_visible_devices : "unset", env.local_rank);
}

c10::Device resolve_device(DeviceKind kind, const DistEnvironment& env) {
  const int count = kind == DeviceKind::cpu ? 0 : static_cast<int>(torch::cuda::device_count());
  return choose_device(kind, env, count, std::getenv("CUDA_VISIBLE_DEVICES"));
}

Precision resolve_precision(Precision precision, const c10::Device& device) {
  if (precision == Precision::automatic) {
    return device.is_cuda() ? Precision::bf16 : Precision::fp32;
  }
  if (!device.is_cuda() && precision != Precision::fp32) {
    fail("train.precision: {} needs a CUDA device; on CPU use fp32 (or auto)", to_string(precision));
  }
  return precision;
}

c10::ScalarType compute_dtype(Precision resolved) {
  switch (resolved) {
    case Precision::bf16:
      return at::kBFloat16;
    case Precision::fp16:
      return at::kHalf;
    case Precision::fp32:
    case Precision::automatic:
      break;
  }
  return at::kFloat;
}

bool uses_loss_scaling(LossScaleMode mode, Precision resolved) {
  switch (mode) {
    case LossScaleMode::dynamic:
      return true;
    case LossScaleMode::off:
      return false;
    case LossScaleMode::automatic:
      break;
  }
  return resolved == Precision::fp16;
}

AutocastScope::AutocastScope(Precision precision, const c10::Device& device) {
  if (!device.is_cuda() || precision == Precision::fp32) return;
  const at::ScalarType dtype = compute_dtype(precision);
#if ROBERTA_TORCH_AT_LEAST(2, 4)  // per-device autocast setters; the GPU-only ones were removed
  at::autocast::set_autocast_dtype(at::kCUDA, dtype);
  at::autocast::set_autocast_enabled(at::kCUDA, true);
#else
  at::autocast::set_autocast_gpu_dtype(dtype);
  at::autocast::set_enabled(true);
#endif
  active_ = true;
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
#if ROBERTA_TORCH_AT_LEAST(2, 4)  // per-device autocast setters; the GPU-only ones were removed
  at::autocast::set_autocast_enabled(at::kCUDA, false);
#else
  at::autocast::set_enabled(false);
#endif
  at::autocast::clear_cache();
}

}  // namespace roberta
