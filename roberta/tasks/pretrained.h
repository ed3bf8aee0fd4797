// One loader for every command that starts from a trained model (finetune's init, evaluate,
// predict, fill-mask, embed). DIR may be a run directory (DIR/checkpoint-last is used), one
// of our checkpoint directories, or a Hugging Face directory (config.json + model.safetensors
// + vocab.json + merges.txt), which is imported in memory, never written anywhere.
#pragma once

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "roberta/config/config.h"
#include "roberta/interop/weights.h"
#include "tokenizer/tokenizer.h"

namespace roberta {

struct PretrainedModel {
  std::string dir;           // the checkpoint or HF directory actually read
  bool huggingface = false;  // true: imported from HF files
  Config config;             // the checkpoint's resolved config (HF: defaults + the HF model shape)
  tokenizer::Tokenizer tokenizer;
  std::string weights_path;  // model.safetensors
  std::map<std::string, std::string> info;  // checkpoint.json "info" (empty for HF)
  std::vector<std::pair<std::string, at::Tensor>> hf_tensors;  // HF weights under our names

  // Copies the weights into `module` (parameter names are HF's, so any head model works).
  LoadWeightsReport load_into(torch::nn::Module& module, const LoadWeightsOptions& options = {}) const;
  // Path of a file next to the weights (e.g. the fine-tuned task.json); "" when absent.
  std::string file(const std::string& name) const;
};

// Resolves and reads DIR (see above). roberta::Error naming DIR and what was expected when
// it is none of the three layouts, or the tokenizer files are missing, or the tokenizer's
// vocabulary is larger than the model's embedding table.
PretrainedModel load_pretrained(const std::string& dir);

}  // namespace roberta
