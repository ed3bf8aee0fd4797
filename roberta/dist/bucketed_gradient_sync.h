// Gradient sync without backward overlap: gradients accumulate locally on every micro-step
// and the last one's finish() sums them over ranks with Communicator::all_reduce_gradients
// (flattened buckets). Used by the single-process communicator (where it costs nothing) and
// when dist.overlap is false.
#pragma once

#include <vector>

#include "roberta/dist/communicator.h"

namespace roberta {

class BucketedGradientSync : public GradientSync {
 public:
  BucketedGradientSync(Communicator& communicator, std::vector<at::Tensor> params)
      : communicator_(communicator), params_(std::move(params)) {}
  void begin_micro_step(bool last, const at::Tensor& /*loss*/) override { last_ = last; }
  void finish() override {
    if (last_) communicator_.all_reduce_gradients(params_);
  }

 private:
  Communicator& communicator_;
  std::vector<at::Tensor> params_;
  bool last_ = false;
};

}  // namespace roberta
