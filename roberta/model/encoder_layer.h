// One post-LayerNorm transformer layer with HF's module names: attention, intermediate.dense
// (H -> F, exact GELU), output.{dense, LayerNorm} (F -> H, residual, LN).
//
// Legend: B = batch, T = sequence length, H = hidden, F = feed-forward width.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "roberta/model/attention.h"
#include "roberta/model/options.h"

namespace roberta {

class RobertaIntermediateImpl : public torch::nn::Module {
 public:
  explicit RobertaIntermediateImpl(const ModelOptions& options);
  at::Tensor forward(const at::Tensor& x);  // [B,T,H] -> gelu(dense(x)) [B,T,F]
  torch::nn::Linear dense{nullptr};
};
TORCH_MODULE(RobertaIntermediate);

class RobertaOutputImpl : public torch::nn::Module {
 public:
  explicit RobertaOutputImpl(const ModelOptions& options);
  // inner [B,T,F], residual [B,T,H] -> LN(residual + dropout(dense(inner))) [B,T,H].
  at::Tensor forward(const at::Tensor& inner, const at::Tensor& residual);
  torch::nn::Linear dense{nullptr};
  torch::nn::LayerNorm layer_norm{nullptr};  // "LayerNorm"

 private:
  double dropout_;
};
TORCH_MODULE(RobertaOutput);

class RobertaLayerImpl : public torch::nn::Module {
 public:
  explicit RobertaLayerImpl(const ModelOptions& options);
  // x [B,T,H], additive_mask [B,1,1,T] or undefined -> [B,T,H].
  at::Tensor forward(const at::Tensor& x, const at::Tensor& additive_mask);

  RobertaAttention attention{nullptr};
  RobertaIntermediate intermediate{nullptr};
  RobertaOutput output{nullptr};
};
TORCH_MODULE(RobertaLayer);

}  // namespace roberta
