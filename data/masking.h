// BERT/RoBERTa masked-LM corruption as a pure function of (tokens, options, seed, epoch,
// sample index): the same arguments give the same mask on every rank, thread and run.
//
// Dynamic masking keys the mask by the epoch (a fresh mask each time a sample is drawn);
// static masking keys it by epoch mod copies, which equals duplicating the data `copies`
// times with a fixed mask per copy (BERT's recipe).
//
// Counts: with n maskable tokens (specials and padding never qualify) exactly
// floor(mask_prob * n + U), U ~ Uniform[0,1), positions are selected uniformly without
// replacement (so the expected count is exactly mask_prob * n and never off by one or more,
// as in fairseq). Each selected token then independently becomes <mask> with
// mask_prob_mask, a random non-special token with mask_prob_random, or stays unchanged.
#pragma once

#include <cstdint>
#include <vector>

#include "data/options.h"
#include "data/special_tokens.h"

namespace roberta::data {

struct MaskedSequence {
  std::vector<int32_t> input_ids;  // [T] the corrupted sequence
  std::vector<int32_t> positions;  // [M] selected positions, ascending
  std::vector<int32_t> targets;    // [M] original ids at those positions
};

// The stream seed of one sample's mask (the epoch is reduced mod copies when static).
uint64_t mask_seed(const MaskingOptions& options, uint64_t seed, int64_t epoch, uint64_t sample_index);

void mask_tokens(const std::vector<int32_t>& tokens, const MaskingOptions& options,
                 const SpecialTokens& special, uint64_t seed, int64_t epoch, uint64_t sample_index,
                 MaskedSequence& out);

// Checks the probabilities (each in [0, 1], mask + random <= 1) and copies >= 1.
void validate(const MaskingOptions& options);

}  // namespace roberta::data
