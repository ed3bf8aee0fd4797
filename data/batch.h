// The contract between the data layer and the trainer: one micro-batch of masked-LM inputs.
// B = sequences, T = longest sequence in the batch, M = masked tokens in the batch.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "data/masking.h"

namespace roberta::data {

struct Batch {
  torch::Tensor input_ids;         // [B,T] int64, padded with pad_id
  torch::Tensor masked_positions;  // [M] int64, flat indices into B*T of the selected tokens
  torch::Tensor masked_targets;    // [M] int64, the original ids at those positions
  torch::Tensor nsp_labels;        // [B] int64 (1 = B is random / not next), undefined if no NSP
  int64_t num_sequences = 0;
  int64_t num_tokens = 0;          // non-pad tokens
  int64_t num_masked = 0;
  int64_t epoch = 0;               // the epoch the batch belongs to
  bool padded = false;             // some sequence is shorter than T (input_ids holds pad_id):
                                   // known here, so the model needs no device sync to ask
};

// Pads and stacks masked sequences into a Batch; nsp_labels empty = no NSP.
Batch collate(const std::vector<MaskedSequence>& sequences, const std::vector<int32_t>& nsp_labels,
              int32_t pad_id);

// The same batch in page-locked host memory, so the copy to a GPU can be asynchronous
// (LoaderOptions::pin_memory; needs a CUDA build of LibTorch).
Batch pin_memory(Batch batch);

}  // namespace roberta::data
