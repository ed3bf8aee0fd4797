// Batched inference and GLUE-style metrics.
#include "roberta/tasks/evaluator.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include "roberta/tasks/metrics.h"
#include "util/error.h"

namespace roberta {

TaskPredictions predict(TaskModel& model, const std::vector<EncodedExample>& examples, TaskType type,
                        int64_t pad_id, int64_t batch, const c10::Device& device) {
  at::NoGradGuard no_grad;
  model.train(false);
  TaskPredictions out;
  for (size_t start = 0; start < examples.size(); start += size_t(batch)) {
    std::vector<const EncodedExample*> chunk;
    for (size_t i = start; i < std::min(examples.size(), start + size_t(batch)); ++i) chunk.push_back(&examples[i]);
    TaskBatch b = collate(chunk, type, pad_id);
    at::Tensor logits = model.forward(b.input_ids.to(device)).to(at::kCPU).to(at::kFloat);  // [B,L] or [B,T,L]
    if (type == TaskType::regression) {
      at::Tensor v = logits.squeeze(-1).contiguous();  // [B]
      for (int64_t i = 0; i < v.size(0); ++i) {
        out.scores.push_back(v[i].item<float>());
        out.classes.push_back(0);
      }
    } else if (type == TaskType::tagging) {
      at::Tensor cls = logits.argmax(-1);  // [B,T]
      auto acc = cls.accessor<int64_t, 2>();
      for (size_t i = 0; i < chunk.size(); ++i) {
        std::vector<int64_t> words;
        for (int64_t pos : chunk[i]->word_starts) words.push_back(acc[int64_t(i)][pos]);
        out.word_classes.push_back(std::move(words));
      }
    } else {
      auto [prob, cls] = at::softmax(logits, -1).max(-1);  // [B], [B]
      for (int64_t i = 0; i < cls.size(0); ++i) {
        out.classes.push_back(cls[i].item<int64_t>());
        out.scores.push_back(prob[i].item<float>());
      }
    }
  }
  return out;
}

std::vector<std::pair<std::string, double>> compute_metrics(const TaskSpec& task,
                                                            const std::vector<EncodedExample>& examples,
                                                            const TaskPredictions& p) {
  std::vector<int64_t> pred, gold;
  std::vector<double> xs, ys;
  for (size_t i = 0; i < examples.size(); ++i) {
    const EncodedExample& e = examples[i];
    if (task.type == TaskType::tagging) {
      for (size_t w = 0; w < e.word_starts.size(); ++w) {
        const int64_t label = e.token_labels[e.word_starts[w]];
        if (label == kIgnoreLabel) continue;
        pred.push_back(p.word_classes[i][w]);
        gold.push_back(label);
      }
    } else if (e.label != kIgnoreLabel) {
      if (task.type == TaskType::regression) {
        xs.push_back(p.scores[i]);
        ys.push_back(e.target);
      } else {
        pred.push_back(p.classes[i]);
        gold.push_back(e.label);
      }
    }
  }
  if (gold.empty() && ys.empty()) fail("task {}: no labelled examples to evaluate", task.name);
  std::vector<std::pair<std::string, double>> out;
  for (const std::string& name : task_metric_names(task)) {
    double v = 0;
    if (name == "accuracy") v = accuracy(pred, gold);
    else if (name == "f1") v = task.labels.size() == 2 ? binary_f1(pred, gold, 1) : macro_f1(pred, gold);
    else if (name == "mcc") v = matthews_correlation(pred, gold);
    else if (name == "pearson") v = pearson(xs, ys);
    else if (name == "spearman") v = spearman(xs, ys);
    else fail("unknown metric '{}'", name);
    if ((name == "pearson" || name == "spearman") && task.type != TaskType::regression) continue;
    if ((name == "accuracy" || name == "f1" || name == "mcc") && task.type == TaskType::regression) continue;
    out.emplace_back(name, v);
  }
  if (out.empty()) fail("task {}: metric '{}' does not fit a {} task", task.name, task.metric, to_string(task.type));
  return out;
}

}  // namespace roberta
