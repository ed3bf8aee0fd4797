// See dropout.h.
#include "roberta/model/dropout.h"

#include "roberta/model/cpu_kernels.h"

#include <ATen/CPUGeneratorImpl.h>

#include <mutex>

namespace roberta {

namespace {

uint64_t draw_seed() {
  at::Generator generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get<at::CPUGeneratorImpl>()->random64();
}

}  // namespace

at::Tensor dropout_mask(int64_t n, double p, uint64_t seed) {
  TORCH_CHECK(p >= 0.0 && p < 1.0, "dropout_mask: p must be in [0, 1), got ", p);
  at::Tensor mask = at::empty({n}, at::kFloat);
  dropout_mask_cpu(mask.data_ptr<float>(), n, seed, p);
  return mask;
}

at::Tensor dropout(const at::Tensor& x, double p, bool training) {
  TORCH_CHECK(p >= 0.0 && p <= 1.0, "dropout probability has to be between 0 and 1, but got ", p);
  if (!training || p == 0.0) return x;
  if (p == 1.0 || !x.device().is_cpu() || x.scalar_type() != at::kFloat) return at::dropout(x, p, true);
  return x * dropout_mask(x.numel(), p, draw_seed()).view(x.sizes());
}

}  // namespace roberta
