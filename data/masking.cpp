// Masked-LM corruption (see masking.h for the exact sampling scheme).
#include "data/masking.h"

#include <algorithm>
#include <cmath>

#include "data/random.h"
#include "util/error.h"

namespace roberta::data {

void validate(const MaskingOptions& o) {
  auto prob = [](const char* key, double p) {
    if (!(p >= 0.0 && p <= 1.0)) fail("masking.{}: expected a probability in [0, 1], found {}", key, p);
  };
  prob("mask_prob", o.mask_prob);
  prob("mask_prob_mask", o.mask_prob_mask);
  prob("mask_prob_random", o.mask_prob_random);
  if (o.mask_prob_mask + o.mask_prob_random > 1.0 + 1e-12) {
    fail("masking: expected mask_prob_mask + mask_prob_random <= 1, found {} + {}", o.mask_prob_mask,
         o.mask_prob_random);
  }
  if (o.copies < 1) fail("masking.copies: expected >= 1, found {}", o.copies);
}

uint64_t mask_seed(const MaskingOptions& options, uint64_t seed, int64_t epoch, uint64_t sample_index) {
  const int64_t key = options.dynamic ? epoch : epoch % std::max<int64_t>(options.copies, 1);
  return hash_keys({seed, 0x3a5c, static_cast<uint64_t>(key), sample_index});
}

void mask_tokens(const std::vector<int32_t>& tokens, const MaskingOptions& options,
                 const SpecialTokens& special, uint64_t seed, int64_t epoch, uint64_t sample_index,
                 MaskedSequence& out) {
  Rng rng(mask_seed(options, seed, epoch, sample_index));
  out.input_ids = tokens;
  out.positions.clear();
  out.targets.clear();
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (!special.is_special(tokens[i])) out.positions.push_back(static_cast<int32_t>(i));
  }
  const size_t n = out.positions.size();
  const size_t k = std::min(n, static_cast<size_t>(std::floor(options.mask_prob * double(n) + rng.uniform())));
  // Partial Fisher-Yates: the first k entries become a uniform k-subset.
  for (size_t i = 0; i < k; ++i) {
    const size_t j = i + static_cast<size_t>(rng.below(n - i));
    std::swap(out.positions[i], out.positions[j]);
  }
  out.positions.resize(k);
  std::sort(out.positions.begin(), out.positions.end());
  out.targets.reserve(k);
  for (int32_t pos : out.positions) {
    const int32_t original = tokens[static_cast<size_t>(pos)];
    out.targets.push_back(original);
    const double u = rng.uniform();
    if (u < options.mask_prob_mask) {
      out.input_ids[static_cast<size_t>(pos)] = special.mask_id;
    } else if (u < options.mask_prob_mask + options.mask_prob_random) {
      int32_t id;
      do {
        id = static_cast<int32_t>(rng.below(static_cast<uint64_t>(special.vocab_size)));
      } while (special.is_special(id));
      out.input_ids[static_cast<size_t>(pos)] = id;
    }
  }
}

}  // namespace roberta::data
