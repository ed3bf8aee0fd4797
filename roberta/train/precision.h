// Device and numeric precision of a run, chosen once: CUDA when asked for (or `auto` and one is
// visible), bf16 autocast with fp32 master weights on CUDA, fp32 on CPU. The autocast API
// differs between LibTorch 1.13 and 2.x; that difference lives in precision.cpp only.
#pragma once

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include "roberta/config/config.h"
#include "roberta/dist/environment.h"

namespace roberta {

// train.device, where this rank sits and how many CUDA devices this process sees -> the
// device this rank trains on. A pure function, so every case is testable without a GPU:
//   cpu                      -> cpu
//   cuda, or auto with >= 1  -> cuda:LOCAL_RANK, every rank of a node on its own GPU; when a
//                               scheduler bound one GPU to each task (CUDA_VISIBLE_DEVICES
//                               names exactly one device: SLURM --gpus-per-task=1, per-rank
//                               visibility), that one, cuda:0, whatever the local rank
//   auto with 0              -> cpu
// Errors (roberta::Error naming the variable): cuda with no device visible; LOCAL_RANK unknown
// in a multi-process job; LOCAL_RANK >= the visible count otherwise (more ranks than GPUs).
// cuda_visible_devices: the CUDA_VISIBLE_DEVICES variable, nullptr when unset.
c10::Device choose_device(DeviceKind kind, const DistEnvironment& env, int cuda_device_count,
                          const char* cuda_visible_devices);
// The same with the CUDA devices this process sees and its CUDA_VISIBLE_DEVICES.
c10::Device resolve_device(DeviceKind kind, const DistEnvironment& env = {});

// train.precision -> the precision actually used on `device` (auto: bf16 on CUDA, fp32 on
// CPU). Error for fp16/bf16 on CPU, where autocast gives no speed and different numerics.
Precision resolve_precision(Precision precision, const c10::Device& device);

// The dtype the matmuls of a `resolved` run compute in: bf16 / fp16 under autocast, else fp32.
c10::ScalarType compute_dtype(Precision resolved);

// train.loss_scale -> whether this run scales its loss (auto: only fp16 needs it; bf16 and
// fp32 have fp32's exponent range). Allowed with any precision: on fp32 a power-of-two scale
// changes no bit of the result, which is how the tests check the wiring on CPU.
bool uses_loss_scaling(LossScaleMode mode, Precision resolved);

// Turns autocast on for the forward pass of a bf16/fp16 run, and off again (clearing the
// cast cache) when it goes out of scope. Does nothing for fp32.
class AutocastScope {
 public:
  AutocastScope(Precision precision, const c10::Device& device);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_ = false;
};

}  // namespace roberta
