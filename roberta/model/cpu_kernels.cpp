// See cpu_kernels.h.
#include "roberta/model/cpu_kernels.h"

#include <ATen/Parallel.h>

#if defined(__x86_64__) || defined(__i386__)
#define ROBERTA_X86 1
#include <immintrin.h>
#endif

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>

// Legend: M = rows, V = columns (vocabulary).

namespace roberta {

namespace {

std::atomic<bool> force_scalar{false};

bool cpu_has_avx2_fma() {
#ifdef ROBERTA_X86
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  constexpr bool yes = false;
#endif
  return yes && !force_scalar.load(std::memory_order_relaxed);
}

// ---------------------------------------------------------------------------------------------
// Dropout mask: murmur3's 32-bit finaliser, twice, over (index, seed).

constexpr uint32_t kGolden = 0x9E3779B9u;

inline uint32_t fmix32(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85EBCA6Bu;
  h ^= h >> 13;
  h *= 0xC2B2AE35u;
  h ^= h >> 16;
  return h;
}

inline uint32_t drop_hash(uint32_t index, uint32_t k1, uint32_t k2) {
  return fmix32(fmix32(index * kGolden + k1) ^ k2);
}

void dropout_scalar(float* out, uint32_t first, int64_t n, uint32_t k1, uint32_t k2, uint32_t threshold,
                    float scale) {
  for (int64_t i = 0; i < n; ++i) {
    out[i] = drop_hash(first + static_cast<uint32_t>(i), k1, k2) >= threshold ? scale : 0.0f;
  }
}

#ifdef ROBERTA_X86
__attribute__((target("avx2,fma"))) inline __m256i fmix32_avx2(__m256i h) {
  h = _mm256_xor_si256(h, _mm256_srli_epi32(h, 16));
  h = _mm256_mullo_epi32(h, _mm256_set1_epi32(static_cast<int>(0x85EBCA6Bu)));
  h = _mm256_xor_si256(h, _mm256_srli_epi32(h, 13));
  h = _mm256_mullo_epi32(h, _mm256_set1_epi32(static_cast<int>(0xC2B2AE35u)));
  return _mm256_xor_si256(h, _mm256_srli_epi32(h, 16));
}

__attribute__((target("avx2,fma"))) void dropout_avx2(float* out, uint32_t first, int64_t n, uint32_t k1,
                                                      uint32_t k2, uint32_t threshold, float scale) {
  const __m256i golden = _mm256_set1_epi32(static_cast<int>(kGolden));
  const __m256i key1 = _mm256_set1_epi32(static_cast<int>(k1));
  const __m256i key2 = _mm256_set1_epi32(static_cast<int>(k2));
  // AVX2 compares signed integers only: flip the sign bit of both sides for unsigned order.
  const __m256i sign = _mm256_set1_epi32(static_cast<int>(0x80000000u));
  const __m256i biased_threshold = _mm256_xor_si256(_mm256_set1_epi32(static_cast<int>(threshold)), sign);
  const __m256 keep_value = _mm256_set1_ps(scale);
  __m256i index = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(first)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  const __m256i eight = _mm256_set1_epi32(8);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256i h = fmix32_avx2(_mm256_add_epi32(_mm256_mullo_epi32(index, golden), key1));
    h = fmix32_avx2(_mm256_xor_si256(h, key2));
    const __m256i dropped = _mm256_cmpgt_epi32(biased_threshold, _mm256_xor_si256(h, sign));  // h < threshold
    _mm256_storeu_ps(out + i, _mm256_andnot_ps(_mm256_castsi256_ps(dropped), keep_value));
    index = _mm256_add_epi32(index, eight);
  }
  dropout_scalar(out + i, first + static_cast<uint32_t>(i), n - i, k1, k2, threshold, scale);
}
#endif  // ROBERTA_X86

// ---------------------------------------------------------------------------------------------
// Softmax cross-entropy rows.

#ifdef ROBERTA_X86
// exp(x) for x <= 88.3 on 8 lanes: Cephes' expf (range reduction by n ln 2, degree-5
// polynomial, 2^n through the exponent bits); ~1 ulp. Inputs below -87.3 give 2^-126 (the
// callers only add such terms to a sum that is >= 1).
__attribute__((target("avx2,fma"))) inline __m256 exp_avx2(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.33654f)), _mm256_set1_ps(88.37626f));
  const __m256 n = _mm256_floor_ps(_mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f)));
  x = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  x = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), x);
  __m256 y = _mm256_set1_ps(1.9875691500e-4f);
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507e-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073e-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894e-2f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459e-1f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201e-1f));
  y = _mm256_fmadd_ps(y, _mm256_mul_ps(x, x), x);
  y = _mm256_add_ps(y, _mm256_set1_ps(1.0f));
  const __m256i exponent = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(exponent));
}

__attribute__((target("avx2,fma"))) inline float hmax_avx2(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
  return _mm_cvtss_f32(m);
}

__attribute__((target("avx2,fma"))) inline double hsum_avx2(__m256 v) {
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, v);
  double sum = 0.0;
  for (float lane : lanes) sum += lane;
  return sum;
}

#endif  // ROBERTA_X86

// One row's max and log(sum_j exp(x_j - max)).
struct RowLse {
  float shift;
  double log_sum;
};

RowLse row_lse_scalar(const float* x, int64_t n) {
  float max = -std::numeric_limits<float>::infinity();
  bool nan = false;
  for (int64_t j = 0; j < n; ++j) {
    nan |= std::isnan(x[j]);
    max = std::max(max, x[j]);
  }
  if (nan) return {std::numeric_limits<float>::quiet_NaN(), 0.0};
  if (std::isinf(max)) return {max, 0.0};  // all -inf (log 0) or a +inf logit
  double sum = 0.0;
  for (int64_t j = 0; j < n; ++j) sum += std::exp(x[j] - max);
  return {max, std::log(sum)};
}

#ifdef ROBERTA_X86
__attribute__((target("avx2,fma"))) RowLse row_lse_avx2(const float* x, int64_t n) {
  __m256 vmax = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  __m256 unordered = _mm256_setzero_ps();  // lanes that saw a NaN
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256 v = _mm256_loadu_ps(x + j);
    vmax = _mm256_max_ps(vmax, v);
    unordered = _mm256_or_ps(unordered, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
  }
  float max = hmax_avx2(vmax);
  bool nan = _mm256_movemask_ps(unordered) != 0;
  for (; j < n; ++j) {
    nan |= std::isnan(x[j]);
    max = std::max(max, x[j]);
  }
  // _mm256_max_ps drops NaNs and exp_avx2 clamps infinities: a row with a NaN, a +inf or only
  // -inf goes the slow, exact way.
  if (nan || !std::isfinite(max)) return row_lse_scalar(x, n);
  const __m256 shift = _mm256_set1_ps(max);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  j = 0;
  for (; j + 16 <= n; j += 16) {
    acc0 = _mm256_add_ps(acc0, exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(x + j), shift)));
    acc1 = _mm256_add_ps(acc1, exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(x + j + 8), shift)));
  }
  double sum = hsum_avx2(acc0) + hsum_avx2(acc1);
  for (; j < n; ++j) sum += std::exp(x[j] - max);
  return {max, std::log(sum)};
}
#endif  // ROBERTA_X86

void row_grad_scalar(const float* x, int64_t n, float shift, float log_sum, float scale, float* g) {
  for (int64_t j = 0; j < n; ++j) g[j] = scale * std::exp((x[j] - shift) - log_sum);
}

#ifdef ROBERTA_X86
__attribute__((target("avx2,fma"))) void row_grad_avx2(const float* x, int64_t n, float shift, float log_sum,
                                                       float scale, float* g) {
  const __m256 vshift = _mm256_set1_ps(shift), vlog_sum = _mm256_set1_ps(log_sum), s = _mm256_set1_ps(scale);
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256 z = _mm256_sub_ps(_mm256_sub_ps(_mm256_loadu_ps(x + j), vshift), vlog_sum);
    _mm256_storeu_ps(g + j, _mm256_mul_ps(s, exp_avx2(z)));
  }
  row_grad_scalar(x + j, n - j, shift, log_sum, scale, g + j);
}
#endif  // ROBERTA_X86

// The vector kernels where the CPU has them; callers pass avx2 = cpu_has_avx2_fma().
void dropout_block(bool avx2, float* out, uint32_t first, int64_t n, uint32_t k1, uint32_t k2,
                   uint32_t threshold, float scale) {
#ifdef ROBERTA_X86
  if (avx2) return dropout_avx2(out, first, n, k1, k2, threshold, scale);
#endif
  dropout_scalar(out, first, n, k1, k2, threshold, scale);
}

RowLse row_lse(bool avx2, const float* x, int64_t n) {
#ifdef ROBERTA_X86
  if (avx2) return row_lse_avx2(x, n);
#endif
  return row_lse_scalar(x, n);
}

void row_grad(bool avx2, const float* x, int64_t n, float shift, float log_sum, float scale, float* g) {
#ifdef ROBERTA_X86
  if (avx2) return row_grad_avx2(x, n, shift, log_sum, scale, g);
#endif
  row_grad_scalar(x, n, shift, log_sum, scale, g);
}

}  // namespace

bool cpu_kernels_use_avx2(bool allow) {
  force_scalar.store(!allow, std::memory_order_relaxed);
  return cpu_has_avx2_fma();
}

void dropout_mask_cpu(float* out, int64_t n, uint64_t seed, double p) {
  // Drop when hash < threshold: P(drop) = threshold / 2^32.
  const uint32_t threshold = static_cast<uint32_t>(std::min(std::ldexp(p, 32), 4294967295.0));
  const float scale = static_cast<float>(1.0 / (1.0 - p));
  const uint32_t k1 = static_cast<uint32_t>(seed);
  const uint32_t k2_base = static_cast<uint32_t>(seed >> 32);
  const bool avx2 = cpu_has_avx2_fma();
  // 64K elements (256 KB) per task.
  at::parallel_for(0, n, 65536, [&](int64_t begin, int64_t end) {
    // The index's high half (non-zero only past 4G elements) goes into the second key, so a
    // segment never wraps the 32-bit counter.
    while (begin < end) {
      const uint64_t high = static_cast<uint64_t>(begin) >> 32;
      const int64_t segment_end = std::min<int64_t>(end, static_cast<int64_t>((high + 1) << 32));
      const uint32_t k2 = high == 0 ? k2_base : k2_base ^ fmix32(static_cast<uint32_t>(high) * kGolden);
      const uint32_t first = static_cast<uint32_t>(begin);
      dropout_block(avx2, out + begin, first, segment_end - begin, k1, k2, threshold, scale);
      begin = segment_end;
    }
  });
}

void softmax_xent_forward_cpu(const float* logits, int64_t rows, int64_t cols, const int64_t* targets,
                              int64_t ignore_index, float* shift, float* log_sum, double* row_loss) {
  const bool avx2 = cpu_has_avx2_fma();
  const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(cols, 1));
  at::parallel_for(0, rows, grain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* x = logits + r * cols;
      const RowLse lse = row_lse(avx2, x, cols);
      shift[r] = lse.shift;
      log_sum[r] = static_cast<float>(lse.log_sum);
      row_loss[r] = targets[r] == ignore_index
                        ? 0.0
                        : (static_cast<double>(lse.shift) - x[targets[r]]) + lse.log_sum;
    }
  });
}

void softmax_xent_backward_cpu(const float* logits, int64_t rows, int64_t cols, const int64_t* targets,
                               int64_t ignore_index, const float* shift, const float* log_sum, float scale,
                               float* grad) {
  const bool avx2 = cpu_has_avx2_fma();
  const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(cols, 1));
  at::parallel_for(0, rows, grain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      float* g = grad + r * cols;
      if (targets[r] == ignore_index) {
        std::fill(g, g + cols, 0.0f);
        continue;
      }
      const float* x = logits + r * cols;
      row_grad(avx2, x, cols, shift[r], log_sum[r], scale, g);
      g[targets[r]] -= scale;
    }
  });
}

}  // namespace roberta
