// The RoBERTa encoder without any head (HF's RobertaModel with add_pooling_layer=False):
// embeddings, then `layers` post-LN transformer layers under encoder.layer.N. Padded keys are
// masked out of attention; the pad id comes from ModelOptions.
//
// Legend: B = batch, T = sequence length, H = hidden.
#pragma once

#include <c10/util/Optional.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include "roberta/model/embeddings.h"
#include "roberta/model/encoder_layer.h"
#include "roberta/model/options.h"

namespace roberta {

// input_ids [B,T] -> additive key mask [B,1,1,T] in `dtype`: 0 for real tokens, the dtype's
// lowest finite value for pads (HF's choice: a finite value keeps all-pad rows free of NaN).
at::Tensor attention_mask_from_input_ids(const at::Tensor& input_ids, int64_t pad_id,
                                         at::ScalarType dtype = at::kFloat);

class RobertaEncoderImpl : public torch::nn::Module {
 public:
  explicit RobertaEncoderImpl(const ModelOptions& options);
  // x [B,T,H], additive_mask [B,1,1,T] or undefined -> [B,T,H].
  at::Tensor forward(at::Tensor x, const at::Tensor& additive_mask);

  torch::nn::ModuleList layer{nullptr};  // of RobertaLayer; "layer.N" as in HF
};
TORCH_MODULE(RobertaEncoder);

class RobertaModelImpl : public torch::nn::Module {
 public:
  explicit RobertaModelImpl(const ModelOptions& options);
  // input_ids [B,T] int64 -> last hidden states [B,T,H]. The mask is skipped when the batch
  // has no pad token (one comparison saves a [B,N,T,T] add per layer, and lets fused attention
  // take its mask-free kernel). padded: whether input_ids holds pad_id, when the caller knows
  // (data::Batch::padded); else it is asked of input_ids, a device sync on a GPU.
  at::Tensor forward(const at::Tensor& input_ids, c10::optional<bool> padded = c10::nullopt);

  const ModelOptions& options() const { return options_; }

  RobertaEmbeddings embeddings{nullptr};
  RobertaEncoder encoder{nullptr};

 private:
  ModelOptions options_;
};
TORCH_MODULE(RobertaModel);

// HF's _init_weights over every submodule of `module`: Linear and Embedding weights
// N(0, init_std), biases 0, embedding padding rows 0, LayerNorm weight 1 and bias 0.
// Other modules' own parameters: "bias" (the LM head's output bias) 0, a 2-D "weight" N(0, init_std).
void init_roberta_weights(torch::nn::Module& module, double init_std);

}  // namespace roberta
