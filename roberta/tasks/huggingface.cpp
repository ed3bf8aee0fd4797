// See huggingface.h.
#include "roberta/tasks/huggingface.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "roberta/config/config.h"
#include "roberta/interop/hf_config.h"
#include "roberta/interop/safetensors.h"
#include "roberta/interop/weights.h"
#include "roberta/model/task_models.h"
#include "roberta/tasks/finetuned.h"
#include "roberta/tasks/finetuner.h"
#include "roberta/tasks/pretrained.h"
#include "roberta/train/checkpoint.h"
#include "util/error.h"

namespace roberta {

namespace fs = std::filesystem;

namespace {

nlohmann::json tokenizer_config(int64_t max_positions) {
  return {
      {"tokenizer_class", "RobertaTokenizer"}, {"model_max_length", max_positions},
      {"bos_token", "<s>"},  {"eos_token", "</s>"},  {"sep_token", "</s>"},    {"cls_token", "<s>"},
      {"unk_token", "<unk>"}, {"pad_token", "<pad>"}, {"mask_token", "<mask>"}, {"add_prefix_space", false},
      {"errors", "replace"},
  };
}

void write_json(const fs::path& path, const nlohmann::json& j) {
  std::ofstream out(path);
  out << j.dump(2) << "\n";
  if (!out.flush()) fail("{}: cannot write", path.string());
}

}  // namespace

HfExport export_huggingface(const std::string& checkpoint, const std::string& output) {
  const PretrainedModel pretrained = load_pretrained(checkpoint);
  const ModelOptions& model_options = pretrained.config.model;
  const SaveWeightsOptions plain{/*with_tied_decoder=*/false, {{"format", "pt"}}};
  HfExport result;
  if (!pretrained.huggingface) result.step = CheckpointReader::open(pretrained.dir).step;

  std::error_code ec;
  fs::create_directories(output, ec);
  if (ec) fail("{}: cannot create: {}", output, ec.message());
  const fs::path out(output);

  nlohmann::json config;
  if (!pretrained.file(kTaskFile).empty()) {
    const FinetunedModel f = load_finetuned(checkpoint, c10::Device(c10::kCPU));
    result.architecture = f.task.type == TaskType::tagging ? "RobertaForTokenClassification"
                                                           : "RobertaForSequenceClassification";
    result.num_labels = f.task.num_outputs();
    result.parameters = count_parameters(f.model->module());
    save_weights(f.model->module(), (out / "model.safetensors").string(), plain);
    config = hf_config_from_model_options(model_options, result.architecture, result.num_labels,
                                          f.task.labels);
    config["finetuning_task"] = f.task.name;
    fs::copy_file(pretrained.file(kTaskFile), out / kTaskFile, fs::copy_options::overwrite_existing);
  } else {
    RobertaForMaskedLM model(model_options);
    pretrained.load_into(*model);
    result.architecture = "RobertaForMaskedLM";
    result.parameters = count_parameters(*model);
    SaveWeightsOptions tied = plain;
    tied.with_tied_decoder = true;
    save_weights(*model, (out / "model.safetensors").string(), tied);
    config = hf_config_from_model_options(model_options);
  }
  write_json(out / "config.json", config);
  pretrained.tokenizer.save(output);
  write_json(out / "tokenizer_config.json", tokenizer_config(model_options.max_positions));
  return result;
}

HfImport import_huggingface(const std::string& input, const std::string& output) {
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
  LoadWeightsReport report =
      load_weights(*model, tensors, weights_path, {/*allow_missing=*/true, /*allow_unexpected=*/true});
  for (const auto& name : report.missing) {
    if (name.rfind("lm_head.", 0) != 0) fail("{}: encoder weight '{}' is missing", weights_path, name);
  }
  HfImport result;
  if (!report.missing.empty()) result.notes.push_back("no LM head in the file; it is freshly initialised");
  if (!report.unexpected.empty()) result.notes.push_back(fmt::format("skipped {}", fmt::join(report.unexpected, ", ")));

  CheckpointWriter writer(output);
  writer.save_weights(*model);
  for (const char* name : {"vocab.json", "merges.txt"}) {
    if (!fs::exists(input + "/" + name)) {
      result.notes.push_back(fmt::format("{}/{} not found; the checkpoint has no tokenizer files", input, name));
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
  result.tensors = static_cast<int64_t>(report.loaded.size());
  result.parameters = count_parameters(*model);
  return result;
}

}  // namespace roberta
