// `roberta import-hf --input HF_DIR --output CKPT_DIR`: a Hugging Face RoBERTa directory
// (config.json, model.safetensors in F32/F16/BF16, vocab.json, merges.txt) -> our checkpoint
// (format v1, step 0), so a published roberta-base can be fine-tuned here. position_ids and
// pooler.* are ignored; a file saved from a bare RobertaModel (no "roberta." prefix, no LM
// head) is accepted and the LM head keeps its fresh initialisation.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "roberta/cli/command.h"
#include "roberta/config/config.h"
#include "roberta/interop/hf_config.h"
#include "roberta/interop/safetensors.h"
#include "roberta/interop/weights.h"
#include "roberta/model/task_models.h"
#include "roberta/train/checkpoint.h"
#include "util/error.h"

namespace roberta::cli {
namespace {

namespace fs = std::filesystem;

int run_import_hf(const std::string& input, const std::string& output) {
  const std::string config_path = input + "/config.json";
  if (!fs::exists(config_path)) fail("{}: missing (expected a Hugging Face model directory)", config_path);
  const nlohmann::json hf_config = read_json_file(config_path);
  Config config;
  config.model = model_options_from_hf_config(hf_config, config_path);

  const std::string weights_path = input + "/model.safetensors";
  if (!fs::exists(weights_path)) {
    fail("{}: missing; only safetensors weights are read (convert pytorch_model.bin with transformers' "
         "save_pretrained(..., safe_serialization=True))",
         weights_path);
  }
  auto tensors = with_roberta_prefix(read_safetensors(weights_path).tensors);
  RobertaForMaskedLM model(config.model);
  LoadWeightsReport report = load_weights(*model, tensors, weights_path, {/*allow_missing=*/true, /*allow_unexpected=*/true});
  for (const auto& name : report.missing) {
    if (name.rfind("lm_head.", 0) != 0) fail("{}: encoder weight '{}' is missing", weights_path, name);
  }
  if (!report.missing.empty()) fmt::print("note: no LM head in the file; it is freshly initialised\n");
  if (!report.unexpected.empty()) fmt::print("note: skipped {}\n", fmt::join(report.unexpected, ", "));

  CheckpointWriter writer(output);
  writer.save_weights(*model);
  for (const char* name : {"vocab.json", "merges.txt"}) {
    if (!fs::exists(input + "/" + name)) {
      fmt::print("note: {}/{} not found; the checkpoint has no tokenizer files\n", input, name);
      continue;
    }
    fs::copy_file(input + "/" + name, writer.path(name), fs::copy_options::overwrite_existing);
    writer.add_file(name);
  }
  // Defaults that must fit the imported shape (the config is validated again when loaded).
  config.tokenizer.vocab_size = config.model.vocab_size;  // the tokenizer that came with the weights
  config.data.seq_len = std::min(config.data.seq_len, config.model.max_positions);
  config.finetune.seq_len = std::min(config.finetune.seq_len, config.model.max_positions);
  validate(config);
  writer.commit(0, to_yaml(config), {{"imported_from", input}, {"format", "huggingface"}});
  fmt::print("imported {} tensors ({} parameters) from {} into {}\n", report.loaded.size(), count_parameters(*model),
             input, output);
  return 0;
}

const RegisterCommand reg(
    "import-hf", "convert a Hugging Face RoBERTa directory into a checkpoint",
    [](CLI::App& sub) -> CommandRun {
      auto input = std::make_shared<std::string>();
      auto output = std::make_shared<std::string>();
      sub.add_option("--input", *input, "Hugging Face model directory (config.json, model.safetensors)")->required();
      sub.add_option("--output", *output, "checkpoint directory to write")->required();
      return [input, output] { return run_import_hf(*input, *output); };
    },
    80);

}  // namespace
}  // namespace roberta::cli
