// `roberta evaluate --model DIR [--task NAME] [--data FILE] [CFG ...] [--set ...]`: scores a
// fine-tuned checkpoint. With --data, that file is read in the task's format; otherwise the
// dev split(s) of the config's task (MNLI: matched and mismatched). Prints each split's metrics
// (GLUE: CoLA MCC, MRPC/QQP accuracy + F1, STS-B Pearson + Spearman).
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "roberta/cli/command.h"
#include "roberta/config/config.h"
#include "roberta/tasks/encoding.h"
#include "roberta/tasks/evaluator.h"
#include "roberta/tasks/finetuned.h"
#include "roberta/tasks/task.h"
#include "roberta/train/precision.h"
#include "util/error.h"

namespace roberta::cli {
namespace {

namespace fs = std::filesystem;

struct EvaluateArgs {
  ConfigArgs config;
  std::string model;
  std::string task;
  std::string data;
  int64_t batch = 32;
};

int run_evaluate(const EvaluateArgs& a) {
  TaskSpec config_task;
  bool have_config = !a.config.files.empty();
  Config config;
  if (have_config) {
    config = load_config(a.config.files, a.config.overrides);
    config_task = resolve_task(config.finetune);
  }
  std::string model_dir = a.model;
  if (model_dir.empty() && have_config) model_dir = (fs::path(config.train.out_dir) / "best").string();
  if (model_dir.empty()) fail("evaluate: expected --model DIR (or a config whose train.out_dir has best/)");
  const c10::Device device = resolve_device(DeviceKind::automatic);
  FinetunedModel f = load_finetuned(model_dir, device);
  const PretrainedModel& m = f.pretrained;
  const TaskSpec& task = f.task;
  if (!a.task.empty() && a.task != task.name && a.task != task.glue) {
    fail("--task: '{}' but {} was fine-tuned on '{}'", a.task, m.dir, task.name);
  }
  if (have_config && config_task.name != task.name) {
    fail("{}: the config's task is '{}' but the checkpoint's is '{}'", a.config.files.front(), config_task.name, task.name);
  }
  std::vector<std::pair<std::string, std::string>> splits;
  if (!a.data.empty()) splits = {{fs::path(a.data).stem().string(), a.data}};
  else if (have_config) splits = config_task.dev_files;
  else fail("evaluate: expected --data FILE or a config naming the task's data_dir");

  for (const auto& [split, path] : splits) {
    const auto examples = encode_examples(m.tokenizer, task, read_labeled_examples(task, path), f.seq_len, path);
    const auto metrics = compute_metrics(task, examples, predict(*f.model, examples, task.type, f.pad_id, a.batch, device));
    std::string line = fmt::format("{} {} ({} examples)", task.name, split, examples.size());
    for (const auto& [name, v] : metrics) line += fmt::format(" | {} {:.4f}", name, v);
    fmt::print("{}\n", line);
  }
  return 0;
}

const RegisterCommand registered_evaluate(
    "evaluate", "score a fine-tuned checkpoint on a task's dev split or a data file",
    [](CLI::App& sub) -> CommandRun {
      auto a = std::make_shared<EvaluateArgs>();
      add_config_args(sub, a->config, /*required=*/false);
      sub.add_option("--model", a->model, "fine-tuned checkpoint (or run) directory; default train.out_dir/best");
      sub.add_option("--task", a->task, "task name, checked against the checkpoint's");
      sub.add_option("--data", a->data, "labelled file in the task's format (GLUE TSV, JSONL, TSV, CoNLL)");
      sub.add_option("--batch", a->batch, "sequences per forward pass")->check(CLI::PositiveNumber);
      return [a] { return run_evaluate(*a); };
    },
    41);

}  // namespace
}  // namespace roberta::cli
