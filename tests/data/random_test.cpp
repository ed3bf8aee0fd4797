// The Feistel permutation behind epoch orders (data/random.h): a bijection for every size, and
// as well mixed as a shuffle by the statistics a data order needs.
#include "tests/catch.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "data/random.h"

using roberta::data::Permutation;

TEST_CASE("permutation: every size gives each of 0..n-1 exactly once", "[data][random]") {
  for (uint64_t n : {1ull, 2ull, 3ull, 4ull, 5ull, 17ull, 64ull, 100ull, 1000ull, 4097ull, 65536ull, 300007ull}) {
    for (uint64_t seed : {0ull, 1ull, 99ull}) {
      const Permutation p(n, seed);
      std::vector<bool> seen(n, false);
      for (uint64_t i = 0; i < n; ++i) {
        const uint64_t v = p(i);
        REQUIRE(v < n);
        REQUIRE_FALSE(seen[v]);
        seen[v] = true;
      }
    }
  }
}

// Where a position lands, over many seeds: uniform by a chi-square test. For 6 degrees of
// freedom 40 is beyond the 1e-6 tail, for 99 it is 175: a fair permutation fails about once
// in a million runs.
TEST_CASE("permutation: each value is equally likely at a position", "[data][random]") {
  auto chi2_at = [](uint64_t n, uint64_t position, uint64_t seeds) {
    std::vector<double> count(n, 0);
    for (uint64_t seed = 0; seed < seeds; ++seed) count[Permutation(n, seed)(position)] += 1;
    const double expected = double(seeds) / double(n);
    double chi2 = 0;
    for (double c : count) chi2 += (c - expected) * (c - expected) / expected;
    return chi2;
  };
  CHECK(chi2_at(7, 0, 70000) < 40);
  CHECK(chi2_at(7, 6, 70000) < 40);
  CHECK(chi2_at(100, 0, 100000) < 175);
  CHECK(chi2_at(100, 57, 100000) < 175);
}

// A shuffle must not keep neighbours together: in a uniformly random permutation of n, the
// expected number of positions i with p(i+1) == p(i) + 1 is (n-1)/n, about 1; allow 10. And
// two seeds must give unrelated orders: they agree at about 1 of n positions; allow 10.
TEST_CASE("permutation: neighbours are scattered and seeds give unrelated orders", "[data][random]") {
  constexpr uint64_t n = 100000;
  const Permutation a(n, 5), b(n, 6);
  int adjacent = 0, same = 0;
  for (uint64_t i = 0; i + 1 < n; ++i) {
    adjacent += a(i + 1) == a(i) + 1;
    same += a(i) == b(i);
  }
  CHECK(adjacent <= 10);
  CHECK(same <= 10);
  // Displacement |p(i) - i| of a uniform permutation averages n/3; a weak mix stays near i.
  double displacement = 0;
  for (uint64_t i = 0; i < n; ++i) displacement += std::fabs(double(a(i)) - double(i));
  CHECK(displacement / n == Approx(n / 3.0).epsilon(0.02));
}
