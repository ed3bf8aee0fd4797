// Single process: gradients are already the full sum.
#include "roberta/dist/single_process_communicator.h"

#include "roberta/dist/bucketed_gradient_sync.h"

namespace roberta {

std::unique_ptr<GradientSync> SingleProcessCommunicator::make_gradient_sync(
    const std::vector<at::Tensor>& params) {
  return std::make_unique<BucketedGradientSync>(*this, params);
}

}  // namespace roberta
