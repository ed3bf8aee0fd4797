// One forward and one loss for the four task types.
#include "roberta/tasks/task_model.h"

#include <ATen/ATen.h>

#include "roberta/tasks/encoding.h"

namespace roberta {

TaskModel::TaskModel(const ModelOptions& options, const TaskSpec& task, double head_dropout) : type_(task.type) {
  if (type_ == TaskType::tagging) {
    token_ = RobertaForTokenClassification(options, task.num_outputs(), head_dropout);
    module_ = token_.ptr();
  } else {
    sequence_ = RobertaForSequenceClassification(options, task.num_outputs(), head_dropout);
    module_ = sequence_.ptr();
  }
}

at::Tensor TaskModel::forward(const at::Tensor& input_ids) {
  return type_ == TaskType::tagging ? token_->forward(input_ids) : sequence_->forward(input_ids);
}

std::pair<at::Tensor, int64_t> TaskModel::summed_loss(const at::Tensor& logits, const at::Tensor& labels) const {
  if (type_ == TaskType::regression) {
    at::Tensor pred = logits.squeeze(-1).to(at::kFloat);  // [B]
    return {(pred - labels).pow(2).sum(), labels.size(0)};
  }
  const int64_t L = logits.size(-1);
  at::Tensor flat_logits = logits.reshape({-1, L}).to(at::kFloat);  // [N,L]
  at::Tensor flat_labels = labels.reshape({-1});                    // [N]
  const int64_t count = (flat_labels != kIgnoreLabel).sum().item<int64_t>();
  at::Tensor loss = at::cross_entropy_loss(flat_logits, flat_labels, {}, at::Reduction::Sum, kIgnoreLabel);
  return {loss, count};
}

}  // namespace roberta
