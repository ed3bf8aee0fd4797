// Masking statistics against the rates in docs/roberta.md with stated binomial bounds, and the
// static/dynamic keying contract.
#include "tests/catch.h"

#include <cmath>
#include <random>

#include "data/masking.h"

using namespace roberta::data;

namespace {

std::vector<int32_t> random_sequence(std::mt19937& gen, size_t n, int32_t lo, int32_t hi) {
  std::vector<int32_t> out(n);
  for (auto& x : out) x = lo + static_cast<int32_t>(gen() % static_cast<unsigned>(hi - lo));
  return out;
}

}  // namespace

TEST_CASE("masking rates: 15% selected, 80/10/10 split, within 4 sigma", "[data][masking]") {
  SpecialTokens sp;  // RoBERTa ids, vocab 50265
  MaskingOptions o;
  std::mt19937 gen(3);
  uint64_t selected = 0, masked = 0, randomized = 0, unchanged = 0, candidates = 0;
  for (uint64_t i = 0; i < 2000; ++i) {
    auto tokens = random_sequence(gen, 128, 4, 50000);
    tokens.front() = sp.bos_id;
    tokens.back() = sp.eos_id;
    tokens[60] = sp.eos_id;
    MaskedSequence m;
    mask_tokens(tokens, o, sp, 42, 0, i, m);
    const size_t n = 125;  // maskable tokens
    // exact count: floor(0.15 n + U) is 18 or 19 for n = 125
    REQUIRE((m.positions.size() == 18 || m.positions.size() == 19));
    candidates += n;
    selected += m.positions.size();
    for (size_t j = 0; j < m.positions.size(); ++j) {
      const auto pos = static_cast<size_t>(m.positions[j]);
      REQUIRE(!sp.is_special(tokens[pos]));
      REQUIRE(m.targets[j] == tokens[pos]);
      const int32_t now = m.input_ids[pos];
      if (now == sp.mask_id) ++masked;
      else if (now == tokens[pos]) ++unchanged;  // includes random == original (p = 2e-5)
      else { REQUIRE(!sp.is_special(now)); ++randomized; }
    }
    for (size_t j = 0; j < tokens.size(); ++j) {
      if (!std::binary_search(m.positions.begin(), m.positions.end(), static_cast<int32_t>(j))) {
        REQUIRE(m.input_ids[j] == tokens[j]);  // unselected tokens are untouched
      }
    }
  }
  // The count is floor(p n + U): its mean is exactly p n, its variance at most 1/4 per sequence.
  CHECK(std::abs(double(selected) - 0.15 * double(candidates)) < 4 * std::sqrt(2000 * 0.25));
  auto within = [&](uint64_t k, double p) {
    const double n = double(selected);
    return std::abs(double(k) - p * n) < 4 * std::sqrt(n * p * (1 - p));
  };
  CHECK(within(masked, 0.8));
  CHECK(within(randomized, 0.1));
  CHECK(within(unchanged, 0.1));
}

TEST_CASE("specials and padding are never selected, random ids are never special", "[data][masking]") {
  SpecialTokens sp;
  sp.vocab_size = 8;  // text ids 4, 5, 6; 7 is <mask>
  sp.mask_id = 7;
  MaskingOptions o;
  o.mask_prob = 1.0;
  o.mask_prob_mask = 0.0;
  o.mask_prob_random = 1.0;
  std::vector<int32_t> tokens{0, 4, 5, 6, 2, 2, 4, 2, 1, 1, 1};
  for (uint64_t i = 0; i < 500; ++i) {
    MaskedSequence m;
    mask_tokens(tokens, o, sp, 1, 0, i, m);
    REQUIRE(m.positions == std::vector<int32_t>{1, 2, 3, 6});
    for (int32_t p : m.positions) {
      const int32_t id = m.input_ids[static_cast<size_t>(p)];
      REQUIRE((id >= 4 && id <= 6));
    }
  }
}

TEST_CASE("masks are pure, static repeats with period copies, dynamic changes per epoch", "[data][masking]") {
  SpecialTokens sp;
  std::mt19937 gen(5);
  auto tokens = random_sequence(gen, 200, 4, 50000);
  auto mask_at = [&](const MaskingOptions& o, int64_t epoch, uint64_t index) {
    MaskedSequence m;
    mask_tokens(tokens, o, sp, 9, epoch, index, m);
    return m;
  };
  MaskingOptions dynamic;
  MaskingOptions fixed;
  fixed.dynamic = false;
  fixed.copies = 4;
  for (uint64_t index : {0u, 17u}) {
    // same inputs, same mask
    CHECK(mask_at(dynamic, 3, index).input_ids == mask_at(dynamic, 3, index).input_ids);
    for (int64_t e = 0; e < 8; ++e) {
      CHECK(mask_at(fixed, e, index).positions == mask_at(fixed, e + 4, index).positions);
      CHECK(mask_at(fixed, e, index).input_ids == mask_at(fixed, e + 4, index).input_ids);
      CHECK(mask_at(fixed, e, index).positions != mask_at(fixed, e + 1, index).positions);
      CHECK(mask_at(dynamic, e, index).positions != mask_at(dynamic, e + 1, index).positions);
      CHECK(mask_at(dynamic, e, index).positions != mask_at(dynamic, e + 4, index).positions);
    }
  }
  // different samples in the same epoch get different masks
  CHECK(mask_at(dynamic, 0, 1).positions != mask_at(dynamic, 0, 2).positions);
}

TEST_CASE("masking options are validated", "[data][masking]") {
  MaskingOptions o;
  o.mask_prob_mask = 0.95;
  CHECK_THROWS_WITH(validate(o), Catch::Matchers::ContainsSubstring("mask_prob_mask + mask_prob_random"));
  o = MaskingOptions{};
  o.mask_prob = 1.5;
  CHECK_THROWS_WITH(validate(o), Catch::Matchers::ContainsSubstring("masking.mask_prob"));
}
