#include "roberta/train/precision.h"

#include <ATen/autocast_mode.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include "util/error.h"

namespace roberta {

c10::Device resolve_device(DeviceKind kind) {
  const bool cuda = torch::cuda::is_available();
  switch (kind) {
    case DeviceKind::cpu:
      return c10::Device(c10::kCPU);
    case DeviceKind::cuda:
      if (!cuda) fail("train.device: expected a visible CUDA device, found none (use cpu or auto)");
      return c10::Device(c10::kCUDA, 0);
    case DeviceKind::automatic:
      break;
  }
  return cuda ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
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
#if TORCH_VERSION_MAJOR >= 2 && TORCH_VERSION_MINOR >= 4
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
#if TORCH_VERSION_MAJOR >= 2 && TORCH_VERSION_MINOR >= 4
  at::autocast::set_autocast_enabled(at::kCUDA, false);
#else
  at::autocast::set_enabled(false);
#endif
  at::autocast::clear_cache();
}

}  // namespace roberta
