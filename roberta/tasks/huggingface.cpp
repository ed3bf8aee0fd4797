// See hf_export.h.
#include "roberta/tasks/hf_export.h"

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "roberta/interop/hf_config.h"
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

}  // namespace roberta
