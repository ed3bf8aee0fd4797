// Fine-tuned checkpoint -> task model with its head.
#include "roberta/tasks/finetuned.h"

#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

#include "roberta/interop/hf_config.h"
#include "roberta/tasks/finetuner.h"
#include "util/error.h"

namespace roberta {

namespace fs = std::filesystem;

namespace {

// A Hugging Face classifier without our task.json (e.g. a published roberta-large-mnli): the
// task from config.json's architecture, problem_type and id2label. Empty name when the
// directory holds no task head.
TaskSpec task_from_hf_config(const std::string& path) {
  const nlohmann::json c = read_json_file(path);
  TaskSpec task;
  const auto arch = c.value("architectures", nlohmann::json::array());
  const std::string architecture = arch.empty() ? "" : arch.front().get<std::string>();
  if (architecture != "RobertaForSequenceClassification" &&
      architecture != "RobertaForTokenClassification") {
    return task;
  }
  std::map<int64_t, std::string> names;
  try {
    const nlohmann::json id2label = c.value("id2label", nlohmann::json::object());
    for (const auto& [id, name] : id2label.items()) {
      names[std::stoll(id)] = name.get<std::string>();
    }
  } catch (const std::exception& e) {
    fail("{}: id2label: expected {{\"0\": \"name\", ...}}: {}", path, e.what());
  }
  const int64_t num_labels = c.contains("num_labels") ? c["num_labels"].get<int64_t>()
                                                      : int64_t(names.size());
  if (num_labels < 1) fail("{}: expected num_labels or id2label with at least one label", path);
  task.name = c.value("finetuning_task", fs::path(path).parent_path().filename().string());
  if (architecture == "RobertaForTokenClassification") {
    task.type = TaskType::tagging;
  } else if (c.value("problem_type", "") == "regression" || num_labels == 1) {
    task.type = TaskType::regression;
  } else {
    task.type = TaskType::classification;
  }
  task.metric = task.type == TaskType::regression ? "pearson" : "accuracy";
  if (task.type != TaskType::regression) {
    for (int64_t i = 0; i < num_labels; ++i) {
      task.labels.push_back(names.count(i) ? names[i] : "LABEL_" + std::to_string(i));
    }
  }
  return task;
}

}  // namespace

FinetunedModel load_finetuned(const std::string& dir, const c10::Device& device) {
  FinetunedModel f;
  f.pretrained = load_pretrained(dir);
  const std::string path = f.pretrained.file(kTaskFile);
  if (!path.empty()) {
    f.task = task_from_json(read_json_file(path), path);
  } else if (f.pretrained.huggingface) {
    f.task = task_from_hf_config(f.pretrained.file("config.json"));
  }
  if (f.task.name.empty()) {
    fail("{}: no {} (expected a checkpoint written by roberta finetune{}, found a {} checkpoint)",
         f.pretrained.dir, kTaskFile,
         f.pretrained.huggingface ? " or a Hugging Face *ForSequenceClassification / "
                                    "*ForTokenClassification directory" : "",
         f.pretrained.huggingface ? "Hugging Face masked-LM" : "pretraining");
  }
  f.model = std::make_unique<TaskModel>(f.pretrained.config.model, f.task, 0.0);
  f.pretrained.load_into(f.model->module());
  f.model->to(device);
  f.model->train(false);
  f.seq_len = std::min(f.pretrained.config.finetune.seq_len, f.pretrained.config.model.max_positions);
  f.pad_id = f.pretrained.tokenizer.has_pad() ? f.pretrained.tokenizer.pad_id() : f.pretrained.config.model.pad_id;
  return f;
}

}  // namespace roberta
