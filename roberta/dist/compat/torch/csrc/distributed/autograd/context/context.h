// Compatibility stand-in for a header Debian's libtorch-dev 1.13 does not ship.
// c10d/reducer.hpp includes it only to name two types; this declares exactly those, so the
// Reducer (DistributedDataParallel's engine) can be used from C++. Added to the include path
// of roberta_dist only when the real header is missing (roberta/CMakeLists.txt).
#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>

namespace torch {
namespace distributed {
namespace autograd {

class DistAutogradContext {
 public:
  using GradCallback = std::function<bool(at::Tensor&)>;
};

using ContextPtr = std::shared_ptr<DistAutogradContext>;

}  // namespace autograd
}  // namespace distributed
}  // namespace torch
