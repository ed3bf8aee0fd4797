// A small counter-based random generator for the data layer. Masks, shuffles and pair
// choices must be pure functions of (seed, epoch, index) and identical on every platform, so
// we avoid std distributions (their algorithms are implementation-defined).
#pragma once

#include <cstdint>
#include <initializer_list>

namespace roberta::data {

// SplitMix64 finaliser: a bijective 64-bit mix with good avalanche.
inline uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Derives one stream seed from several keys, order-sensitive: hash_keys({seed, epoch, i}).
inline uint64_t hash_keys(std::initializer_list<uint64_t> keys) {
  uint64_t h = 0x6a09e667f3bcc908ULL;
  for (uint64_t k : keys) h = mix64(h ^ mix64(k));
  return h;
}

// SplitMix64 stream: passes BigCrush, one add and a mix per draw.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n), n > 0 (Lemire's rejection method: unbiased).
  uint64_t below(uint64_t n) {
    for (;;) {
      __uint128_t m = static_cast<__uint128_t>(next()) * n;
      uint64_t low = static_cast<uint64_t>(m);
      if (low >= n || low >= (-n) % n) return static_cast<uint64_t>(m >> 64);
    }
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

}  // namespace roberta::data
