// Fine-tuned checkpoint -> task model with its head.
#include "roberta/tasks/finetuned.h"

#include <fstream>

#include "roberta/tasks/finetuner.h"
#include "util/error.h"

namespace roberta {

FinetunedModel load_finetuned(const std::string& dir, const c10::Device& device) {
  FinetunedModel f;
  f.pretrained = load_pretrained(dir);
  const std::string path = f.pretrained.file(kTaskFile);
  if (path.empty()) {
    fail("{}: no {} (expected a checkpoint written by roberta finetune, found a {} checkpoint)", f.pretrained.dir,
         kTaskFile, f.pretrained.huggingface ? "Hugging Face" : "pretraining");
  }
  std::ifstream in(path);
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::exception& e) {
    fail("{}: not valid JSON: {}", path, e.what());
  }
  f.task = task_from_json(j, path);
  f.model = std::make_unique<TaskModel>(f.pretrained.config.model, f.task, 0.0);
  f.pretrained.load_into(f.model->module());
  f.model->to(device);
  f.model->train(false);
  f.seq_len = std::min(f.pretrained.config.finetune.seq_len, f.pretrained.config.model.max_positions);
  f.pad_id = f.pretrained.tokenizer.has_pad() ? f.pretrained.tokenizer.pad_id() : f.pretrained.config.model.pad_id;
  return f;
}

}  // namespace roberta
