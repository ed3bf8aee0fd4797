// A checkpoint written by `roberta finetune` (its task.json names the task type and labels),
// loaded with its head for evaluate and predict.
#pragma once

#include <c10/core/Device.h>

#include <memory>
#include <string>

#include "roberta/tasks/pretrained.h"
#include "roberta/tasks/task.h"
#include "roberta/tasks/task_model.h"

namespace roberta {

struct FinetunedModel {
  PretrainedModel pretrained;  // config, tokenizer, weights path
  TaskSpec task;               // from task.json (no file paths)
  std::unique_ptr<TaskModel> model;  // on `device`, eval mode
  int64_t seq_len = 512;       // the finetune.seq_len it was trained with
  int64_t pad_id = 1;
};

// Error naming the directory when it has no task.json (e.g. a pretraining checkpoint) or its
// weights do not fit the recorded task (every mismatching tensor listed).
FinetunedModel load_finetuned(const std::string& dir, const c10::Device& device);

}  // namespace roberta
