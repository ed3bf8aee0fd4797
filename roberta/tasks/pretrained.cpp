// Run dir / checkpoint dir / Hugging Face dir -> config, tokenizer and weights.
#include "roberta/tasks/pretrained.h"

#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "roberta/interop/hf_config.h"
#include "roberta/interop/safetensors.h"
#include "roberta/train/checkpoint.h"
#include "util/error.h"

namespace roberta {
namespace {

namespace fs = std::filesystem;

bool has_tokenizer_files(const fs::path& dir) {
  return fs::exists(dir / "vocab.json") && fs::exists(dir / "merges.txt");
}

PretrainedModel load_huggingface(const fs::path& dir) {
  PretrainedModel m;
  m.dir = dir.string();
  m.huggingface = true;
  const std::string config_path = (dir / "config.json").string();
  const nlohmann::json hf = read_json_file(config_path);
  m.config.model = model_options_from_hf_config(hf, config_path);
  m.config.tokenizer.vocab_size = m.config.model.vocab_size;
  m.config.finetune.seq_len = std::min(m.config.finetune.seq_len, m.config.model.max_positions);
  m.config.data.seq_len = std::min(m.config.data.seq_len, m.config.model.max_positions);
  m.weights_path = (dir / "model.safetensors").string();
  if (!fs::exists(m.weights_path)) {
    fail("{}: missing (expected a Hugging Face directory with config.json and model.safetensors)", m.weights_path);
  }
  m.hf_tensors = with_roberta_prefix(read_safetensors(m.weights_path).tensors);
  if (!has_tokenizer_files(dir)) fail("{}: expected vocab.json and merges.txt next to config.json", dir.string());
  m.tokenizer = tokenizer::Tokenizer::load(dir.string());
  return m;
}

PretrainedModel load_checkpoint(const fs::path& dir) {
  CheckpointReader reader = CheckpointReader::open(dir.string());
  PretrainedModel m;
  m.dir = dir.string();
  m.config = config_from_yaml_string(reader.config_yaml, reader.path(kCheckpointConfigFile));
  m.weights_path = reader.path(kCheckpointWeightsFile);
  m.info = reader.info;
  if (has_tokenizer_files(dir)) {
    m.tokenizer = tokenizer::Tokenizer::load(dir.string());
  } else if (!m.config.tokenizer.dir.empty() && has_tokenizer_files(m.config.tokenizer.dir)) {
    m.tokenizer = tokenizer::Tokenizer::load(m.config.tokenizer.dir);  // an older checkpoint
  } else {
    fail("{}: no vocab.json/merges.txt in the checkpoint, nor in its tokenizer.dir '{}'", dir.string(),
         m.config.tokenizer.dir);
  }
  return m;
}

}  // namespace

PretrainedModel load_pretrained(const std::string& dir_name) {
  fs::path dir(dir_name);
  if (dir_name.empty()) fail("no model given (expected a run, checkpoint or Hugging Face directory)");
  if (!fs::is_directory(dir)) fail("{}: not a directory (expected a run, checkpoint or Hugging Face directory)", dir_name);
  if (!fs::exists(dir / kCheckpointManifestFile) && fs::exists(dir / "checkpoint-last")) dir /= "checkpoint-last";

  PretrainedModel m;
  if (fs::exists(dir / kCheckpointManifestFile)) {
    m = load_checkpoint(dir);
  } else if (fs::exists(dir / "config.json")) {
    m = load_huggingface(dir);
  } else {
    fail("{}: expected {} (our checkpoint), checkpoint-last/ (a run directory) or config.json + "
         "model.safetensors (Hugging Face); found none",
         dir_name, kCheckpointManifestFile);
  }
  if (m.tokenizer.vocab_size() > m.config.model.vocab_size) {
    fail("{}: the tokenizer has {} tokens but the model's embedding table only {} rows (mismatched files)",
         m.dir, m.tokenizer.vocab_size(), m.config.model.vocab_size);
  }
  return m;
}

LoadWeightsReport PretrainedModel::load_into(torch::nn::Module& module, const LoadWeightsOptions& options) const {
  if (huggingface) return load_weights(module, hf_tensors, weights_path, options);
  return load_weights(module, weights_path, options);
}

std::string PretrainedModel::file(const std::string& name) const {
  const fs::path p = fs::path(dir) / name;
  return fs::exists(p) ? p.string() : std::string();
}

}  // namespace roberta
