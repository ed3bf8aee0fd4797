// Predictions of a task model over encoded examples, and the task's metrics on them.
#pragma once

#include <c10/core/Device.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "roberta/tasks/encoding.h"
#include "roberta/tasks/task_model.h"

namespace roberta {

struct TaskPredictions {
  std::vector<int64_t> classes;                    // per example: argmax class (not regression)
  std::vector<float> scores;                       // per example: its probability, or the regression value
  std::vector<std::vector<int64_t>> word_classes;  // tagging: per example, one class per kept word
};

// Runs the model in eval mode (no dropout, no grad), `batch` examples at a time.
TaskPredictions predict(TaskModel& model, const std::vector<EncodedExample>& examples, TaskType type,
                        int64_t pad_id, int64_t batch, const c10::Device& device);

// Metric name -> value, in task_metric_names(task) order, over the labelled examples (tagging:
// over labelled words). Error when nothing is labelled.
std::vector<std::pair<std::string, double>> compute_metrics(const TaskSpec& task,
                                                            const std::vector<EncodedExample>& examples,
                                                            const TaskPredictions& predictions);

}  // namespace roberta
