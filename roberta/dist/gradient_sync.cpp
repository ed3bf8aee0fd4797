// The common backward of a micro-step, with communication failures made user-readable.
#include "roberta/dist/gradient_sync.h"

#include <c10/util/Exception.h>

#include <exception>

#include "util/error.h"

namespace roberta {

void GradientSync::backward(const at::Tensor& loss, bool last) {
  begin_micro_step(last, loss);
  try {
    loss.backward();
  } catch (const c10::Error& e) {
    if (!last) throw;  // no communication happened: not ours to explain
    fail("dist: the gradient all-reduce overlapped with backward failed (a rank probably died "
         "or stalled longer than dist.timeout_s): {}",
         e.what_without_backtrace());
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {  // Gloo's own transport exceptions
    if (!last) throw;
    fail("dist: the gradient all-reduce overlapped with backward failed (a rank probably died "
         "or stalled longer than dist.timeout_s): {}",
         e.what());
  }
  finish();
}

}  // namespace roberta
