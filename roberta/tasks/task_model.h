// The encoder with the head a task needs: RobertaForSequenceClassification (classification,
// pair; regression with one output) or RobertaForTokenClassification (tagging), behind one
// forward. Parameter names are HF's, so checkpoints of either load with load_weights.
//
// Legend: B = batch, T = sequence length, L = labels (1 for regression).
#pragma once

#include <torch/nn/module.h>

#include <memory>

#include "roberta/model/task_models.h"
#include "roberta/tasks/task.h"

namespace roberta {

class TaskModel {
 public:
  TaskModel(const ModelOptions& options, const TaskSpec& task, double head_dropout);

  // input_ids [B,T] -> logits [B,L] (sequence tasks) or [B,T,L] (tagging).
  at::Tensor forward(const at::Tensor& input_ids);
  // Summed loss over the batch's labelled targets and their count (classification and
  // tagging: cross-entropy ignoring kIgnoreLabel; regression: squared error).
  std::pair<at::Tensor, int64_t> summed_loss(const at::Tensor& logits, const at::Tensor& labels) const;

  torch::nn::Module& module() { return *module_; }
  const torch::nn::Module& module() const { return *module_; }
  void train(bool on) { module_->train(on); }
  void to(const c10::Device& device) { module_->to(device); }

 private:
  TaskType type_;
  RobertaForSequenceClassification sequence_{nullptr};
  RobertaForTokenClassification token_{nullptr};
  std::shared_ptr<torch::nn::Module> module_;
};

}  // namespace roberta
