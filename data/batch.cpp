// Collation: the one place where the data layer makes tensors.
#include "data/batch.h"

#include <ATen/ATen.h>

#include <algorithm>

namespace roberta::data {

Batch collate(const std::vector<MaskedSequence>& sequences, const std::vector<int32_t>& nsp_labels,
              int32_t pad_id) {
  Batch batch;
  const int64_t B = static_cast<int64_t>(sequences.size());
  int64_t T = 0, M = 0;
  for (const auto& s : sequences) {
    T = std::max<int64_t>(T, static_cast<int64_t>(s.input_ids.size()));
    M += static_cast<int64_t>(s.positions.size());
  }
  auto opts = at::TensorOptions().dtype(at::kLong);
  batch.input_ids = at::full({B, T}, pad_id, opts);        // [B,T]
  batch.masked_positions = at::empty({M}, opts);           // [M]
  batch.masked_targets = at::empty({M}, opts);             // [M]
  int64_t* ids = batch.input_ids.data_ptr<int64_t>();
  int64_t* positions = batch.masked_positions.data_ptr<int64_t>();
  int64_t* targets = batch.masked_targets.data_ptr<int64_t>();
  int64_t m = 0;
  for (int64_t b = 0; b < B; ++b) {
    const auto& s = sequences[static_cast<size_t>(b)];
    std::copy(s.input_ids.begin(), s.input_ids.end(), ids + b * T);
    batch.num_tokens += static_cast<int64_t>(s.input_ids.size());
    for (size_t j = 0; j < s.positions.size(); ++j, ++m) {
      positions[m] = b * T + s.positions[j];
      targets[m] = s.targets[j];
    }
  }
  if (!nsp_labels.empty()) {
    batch.nsp_labels = at::empty({B}, opts);  // [B]
    std::copy(nsp_labels.begin(), nsp_labels.end(), batch.nsp_labels.data_ptr<int64_t>());
  }
  batch.num_sequences = B;
  batch.num_masked = M;
  batch.padded = batch.num_tokens < B * T;
  return batch;
}

Batch pin_memory(Batch batch) {
  for (at::Tensor* t : {&batch.input_ids, &batch.masked_positions, &batch.masked_targets, &batch.nsp_labels}) {
    if (t->defined()) *t = t->pin_memory();
  }
  return batch;
}

}  // namespace roberta::data
