// Gradient sync that overlaps communication with the last micro-step's backward, using
// c10d::Reducer (the engine behind PyTorch's DistributedDataParallel). Gradients are
// grouped into buckets of dist.bucket_mb; a bucket's all-reduce starts as soon as autograd
// has produced all of its gradients. Earlier micro-steps skip prepare_for_backward (DDP's
// no_sync), so they only accumulate locally. A communication hook SUMS over ranks instead
// of the Reducer's default average (see gradient_sync.h).
#pragma once

#include <memory>
#include <vector>

#include "roberta/dist/gradient_sync.h"

namespace c10d {
class Reducer;
}

namespace roberta {

class C10dCommunicator;

class ReducerGradientSync : public GradientSync {
 public:
  ReducerGradientSync(C10dCommunicator& communicator, std::vector<at::Tensor> params);
  ~ReducerGradientSync() override;
  void begin_micro_step(bool last, const at::Tensor& loss = {}) override;
  void finish() override;

 private:
  C10dCommunicator& communicator_;
  std::unique_ptr<c10d::Reducer> reducer_;
  bool last_ = false;
};

}  // namespace roberta
