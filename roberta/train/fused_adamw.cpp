// See fused_adamw.h.
#include "roberta/train/fused_adamw.h"

#include <ATen/Parallel.h>

#include <cmath>

namespace roberta {

namespace {

// One contiguous chunk; plain loop the compiler vectorises (no aliasing between the arrays).
void adamw_chunk(float* __restrict p, const float* __restrict g, float* __restrict m,
                 float* __restrict v, int64_t n, const AdamWScalars s) {
  const float one_minus_b1 = 1.0f - s.beta1;
  const float one_minus_b2 = 1.0f - s.beta2;
  const float neg_step = -s.step_size;
  for (int64_t i = 0; i < n; ++i) {
    const float gi = g[i];
    const float mi = m[i] * s.beta1 + one_minus_b1 * gi;
    const float vi = v[i] * s.beta2 + one_minus_b2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    const float denom = std::sqrt(vi) / s.bias2_sqrt + s.eps;
    p[i] = p[i] * s.decay_factor + neg_step * (mi / denom);
  }
}

}  // namespace

void fused_adamw_cpu(float* p, const float* g, float* m, float* v, int64_t n, const AdamWScalars& s) {
  // 32K elements (512 KB of the four arrays) per task: large enough to amortise the dispatch.
  at::parallel_for(0, n, 32768, [&](int64_t begin, int64_t end) {
    adamw_chunk(p + begin, g + begin, m + begin, v + begin, end - begin, s);
  });
}

}  // namespace roberta
