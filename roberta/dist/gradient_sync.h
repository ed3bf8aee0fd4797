// Gradient synchronisation over one accumulation window: no communication on the first
// micro-steps, one all-reduce of every gradient on the last one. After finish() on the last
// micro-step each parameter's .grad holds the SUM over ranks of that rank's accumulated
// gradients (not the average): the trainer divides the loss by the global masked-token
// count (all ranks, all micro-steps), so summing gives the exact full-batch gradient.
//
// Per micro-step:  sync.backward(loss, last);   or, when the backward is custom (loss scaling):
//                  sync.begin_micro_step(last, loss);  loss.backward();  sync.finish();
#pragma once

#include <ATen/core/Tensor.h>

namespace roberta {

class GradientSync {
 public:
  virtual ~GradientSync() = default;
  // Before the micro-step's backward. last = the final micro-step of the window; loss is only
  // needed with dist.find_unused_parameters (the graph is searched for unused parameters).
  virtual void begin_micro_step(bool last, const at::Tensor& loss = {}) = 0;
  // After the micro-step's backward. On the last micro-step it returns once the gradients
  // are summed over ranks (collective failures and timeouts throw roberta::Error).
  virtual void finish() = 0;
  // begin_micro_step + loss.backward() + finish. A collective that fails inside backward (the
  // overlapped all-reduce) becomes a roberta::Error instead of a bare c10::Error.
  void backward(const at::Tensor& loss, bool last);
};

}  // namespace roberta
