// Multi-head self-attention of one RoBERTa layer, split into the modules whose names make up
// the Hugging Face state-dict keys: attention.self.{query,key,value}, attention.output.{dense,
// LayerNorm}. The three projections stay separate parameters (HF names) but run as one fused
// [3H,H] matmul.
//
// Legend: B = batch, T = sequence length, H = hidden, N = heads, D = H / N.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "roberta/model/options.h"

namespace roberta {

class RobertaSelfAttentionImpl : public torch::nn::Module {
 public:
  explicit RobertaSelfAttentionImpl(const ModelOptions& options);

  // x [B,T,H], additive_mask [B,1,1,T] or undefined -> context [B,T,H] (before output.dense).
  at::Tensor forward(const at::Tensor& x, const at::Tensor& additive_mask);

  torch::nn::Linear query{nullptr}, key{nullptr}, value{nullptr};  // [H,H] + [H] each

 private:
  ModelOptions options_;
};
TORCH_MODULE(RobertaSelfAttention);

// attention.output: dense, dropout, residual, LayerNorm (post-LN).
class RobertaSelfOutputImpl : public torch::nn::Module {
 public:
  explicit RobertaSelfOutputImpl(const ModelOptions& options);
  // context [B,T,H], residual [B,T,H] -> [B,T,H].
  at::Tensor forward(const at::Tensor& context, const at::Tensor& residual);

  torch::nn::Linear dense{nullptr};
  torch::nn::LayerNorm layer_norm{nullptr};  // "LayerNorm"

 private:
  double dropout_;
};
TORCH_MODULE(RobertaSelfOutput);

class RobertaAttentionImpl : public torch::nn::Module {
 public:
  explicit RobertaAttentionImpl(const ModelOptions& options);
  // x [B,T,H], additive_mask [B,1,1,T] -> [B,T,H].
  at::Tensor forward(const at::Tensor& x, const at::Tensor& additive_mask);

  RobertaSelfAttention self{nullptr};
  RobertaSelfOutput output{nullptr};
};
TORCH_MODULE(RobertaAttention);

}  // namespace roberta
