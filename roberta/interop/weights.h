// Model weights <-> safetensors files under Hugging Face state-dict names. Our parameter names
// already are HF's, so saving and loading are loops; the only special names are HF's tied
// `lm_head.decoder.weight` (the word embeddings), its `position_ids` buffers and `pooler.*`.
#pragma once

#include <torch/nn/module.h>

#include <ATen/ATen.h>

#include <map>
#include <string>
#include <vector>

namespace roberta {

// HF's name for the LM decoder, which we tie to this parameter instead of storing it.
inline constexpr const char* kTiedDecoderName = "lm_head.decoder.weight";
inline constexpr const char* kWordEmbeddingsName = "roberta.embeddings.word_embeddings.weight";

struct SaveWeightsOptions {
  bool with_tied_decoder = false;              // also write lm_head.decoder.weight (HF export)
  std::map<std::string, std::string> metadata;  // safetensors __metadata__, e.g. {"format": "pt"}
};

struct LoadWeightsOptions {
  bool allow_missing = false;     // model parameters absent from the file stay as they are
  bool allow_unexpected = false;  // file tensors the model lacks are skipped (e.g. lm_head.* when fine-tuning)
};

// What load_weights did; names sorted.
struct LoadWeightsReport {
  std::vector<std::string> loaded;
  std::vector<std::string> missing;     // in the model, not in the file (allowed by options)
  std::vector<std::string> unexpected;  // in the file, not in the model (allowed by options)
  std::vector<std::string> ignored;     // HF extras: position_ids, pooler.*, the tied decoder
};

void save_weights(const torch::nn::Module& module, const std::string& path, const SaveWeightsOptions& options = {});

// Copies every tensor of the file into the module's parameter of the same name (converting
// F16/BF16 to the parameter's dtype). Throws one roberta::Error listing every shape mismatch
// (name, expected, found) and every missing / unexpected name that the options do not allow;
// the module is left unchanged when it throws.
LoadWeightsReport load_weights(torch::nn::Module& module, const std::string& path,
                               const LoadWeightsOptions& options = {});
// Same, from tensors already in memory (e.g. renamed by import-hf); `origin` names them in errors.
LoadWeightsReport load_weights(torch::nn::Module& module, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                               const std::string& origin, const LoadWeightsOptions& options = {});

}  // namespace roberta
