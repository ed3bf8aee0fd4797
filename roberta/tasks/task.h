// What a downstream task is: its type, label set, metric and files. Two sources: a GLUE task
// name (finetune.task: sst2, mnli, ...) reading the standard GLUE TSV layout from
// finetune.data_dir, or a directory of the local suite with a task.json (scripts/tasks/).
// A fine-tuned checkpoint records the same description in its own task.json.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/tasks/example.h"
#include "roberta/config/config.h"

namespace roberta {

enum class TaskType { classification, pair, regression, tagging };

// "classification" | "pair" | "regression" | "tagging"; Error naming `origin` otherwise.
TaskType parse_task_type(const std::string& name, const std::string& origin);
std::string to_string(TaskType type);

struct TaskSpec {
  std::string name;                 // e.g. "sst2", "brown-pos"
  TaskType type = TaskType::classification;
  std::string metric;               // primary dev metric: accuracy|f1|mcc|pearson|spearman
  std::vector<std::string> labels;  // class names in id order; empty for regression
  std::string glue;                 // GLUE task name when read as GLUE TSV; "" otherwise
  std::string train_file;           // "" when absent
  // Dev splits evaluated each epoch (MNLI: matched and mismatched); the first one selects
  // the best checkpoint.
  std::vector<std::pair<std::string, std::string>> dev_files;  // {split name, path}
  std::string test_file;

  int64_t num_outputs() const { return type == TaskType::regression ? 1 : int64_t(labels.size()); }
  // Label name -> id; Error naming `origin` and the known labels when unknown.
  int64_t label_id(const std::string& label, const std::string& origin) const;
};

// finetune.task / finetune.data_dir (+ finetune.metric, finetune.num_labels checks) -> spec.
// Error for an unknown task name (listing the GLUE names) or missing files.
TaskSpec resolve_task(const FinetuneConfig& config);

// Reads a task file in the task's format (GLUE TSV, JSONL, TSV, CoNLL).
std::vector<data::tasks::Example> read_task_examples(const TaskSpec& task, const std::string& path);
// The same for a training or dev split: every row must carry its label (an unlabeled row is a
// roberta::Error naming file:line; unlabeled rows belong to `roberta predict` inputs).
std::vector<data::tasks::Example> read_labeled_examples(const TaskSpec& task, const std::string& path);

// The description stored in a fine-tuned checkpoint (task.json), without file paths.
nlohmann::json task_to_json(const TaskSpec& task);
TaskSpec task_from_json(const nlohmann::json& j, const std::string& origin);

// The metrics a task reports ("accuracy", "f1", "mcc", "pearson", "spearman"), the primary first.
std::vector<std::string> task_metric_names(const TaskSpec& task);

}  // namespace roberta
