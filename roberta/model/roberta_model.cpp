// See roberta_model.h.
#include "roberta/model/roberta_model.h"

#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <limits>

// Legend: B = batch, T = sequence length, H = hidden.

namespace roberta {

at::Tensor attention_mask_from_input_ids(const at::Tensor& input_ids, int64_t pad_id, at::ScalarType dtype) {
  at::Tensor pads = input_ids.eq(pad_id);  // [B,T] bool
  double lowest = dtype == at::kHalf     ? -65504.0
                  : dtype == at::kBFloat16 ? -3.3895313892515355e38
                  : dtype == at::kDouble   ? std::numeric_limits<double>::lowest()
                                           : static_cast<double>(std::numeric_limits<float>::lowest());
  at::Tensor mask = at::zeros(pads.sizes(), input_ids.options().dtype(dtype));  // [B,T]
  mask.masked_fill_(pads, lowest);
  return mask.view({input_ids.size(0), 1, 1, input_ids.size(1)});  // [B,1,1,T]
}

RobertaEncoderImpl::RobertaEncoderImpl(const ModelOptions& options) {
  layer = register_module("layer", torch::nn::ModuleList());
  for (int64_t i = 0; i < options.layers; ++i) layer->push_back(RobertaLayer(options));
}

at::Tensor RobertaEncoderImpl::forward(at::Tensor x, const at::Tensor& additive_mask) {
  for (const auto& module : *layer) {
    x = module->as<RobertaLayerImpl>()->forward(x, additive_mask);  // [B,T,H]
  }
  return x;
}

RobertaModelImpl::RobertaModelImpl(const ModelOptions& options) : options_(options) {
  embeddings = register_module("embeddings", RobertaEmbeddings(options));
  encoder = register_module("encoder", RobertaEncoder(options));
}

at::Tensor RobertaModelImpl::forward(const at::Tensor& input_ids, c10::optional<bool> padded) {
  TORCH_CHECK(input_ids.dim() == 2, "input_ids must be [B,T], got ", input_ids.sizes());
  at::Tensor x = embeddings(input_ids);  // [B,T,H]
  at::Tensor mask;                        // [B,1,1,T] or undefined
  if (padded ? *padded : input_ids.eq(options_.pad_id).any().item<bool>()) {
    mask = attention_mask_from_input_ids(input_ids, options_.pad_id, x.scalar_type());
  }
  return encoder(x, mask);  // [B,T,H]
}

namespace {

void init_one(torch::nn::Module& module, double init_std) {
  if (auto* linear = module.as<torch::nn::LinearImpl>()) {
    linear->weight.normal_(0.0, init_std);
    if (linear->bias.defined()) linear->bias.zero_();
  } else if (auto* embedding = module.as<torch::nn::EmbeddingImpl>()) {
    embedding->weight.normal_(0.0, init_std);
    if (embedding->options.padding_idx()) embedding->weight[*embedding->options.padding_idx()].zero_();
  } else if (auto* norm = module.as<torch::nn::LayerNormImpl>()) {
    norm->weight.fill_(1.0);
    norm->bias.zero_();
  } else {
    for (auto& param : module.named_parameters(/*recurse=*/false)) {
      if (param.key() == "bias") param.value().zero_();
      if (param.key() == "weight" && param.value().dim() == 2) param.value().normal_(0.0, init_std);
    }
  }
}

}  // namespace

void init_roberta_weights(torch::nn::Module& module, double init_std) {
  at::NoGradGuard no_grad;
  // include_self=false: this runs inside constructors, before a shared_ptr owns the module.
  init_one(module, init_std);
  for (auto& child : module.modules(/*include_self=*/false)) init_one(*child, init_std);
}

}  // namespace roberta
