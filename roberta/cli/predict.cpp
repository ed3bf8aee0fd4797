// `roberta predict --model DIR --input FILE --output FILE`: runs a fine-tuned checkpoint over a
// task file (labels, if present, are ignored) and writes one prediction per example:
//   .jsonl output  {"label": "positive", "score": 0.93} | {"prediction": 3.1} |
//                  {"tokens": [...], "tags": [...]} (tagging)
//   otherwise TSV  index<TAB>prediction[<TAB>score] under a header (tagging: space-joined tags)
#include <fmt/format.h>

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "roberta/cli/command.h"
#include "roberta/tasks/encoding.h"
#include "roberta/tasks/evaluator.h"
#include "roberta/tasks/finetuned.h"
#include "roberta/train/precision.h"
#include "util/error.h"

namespace roberta::cli {
namespace {

struct PredictArgs {
  std::string model, input, output;
  int64_t batch = 32;
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int run_predict(const PredictArgs& a) {
  const c10::Device device = resolve_device(DeviceKind::automatic);
  FinetunedModel f = load_finetuned(a.model, device);
  const TaskSpec& task = f.task;
  auto examples = read_task_examples(task, a.input);
  // Predictions need no labels: drop them so unlabeled and labelled files read the same.
  for (auto& e : examples) {
    e.label.clear();
    e.target = std::nanf("");
    e.tags.clear();
  }
  const auto encoded = encode_examples(f.pretrained.tokenizer, task, examples, f.seq_len, a.input);
  const TaskPredictions p = predict(*f.model, encoded, task.type, f.pad_id, a.batch, device);

  std::ofstream out(a.output);
  if (!out) fail("{}: cannot write", a.output);
  const bool jsonl = ends_with(a.output, ".jsonl") || ends_with(a.output, ".json");
  if (!jsonl) out << (task.type == TaskType::regression || task.type == TaskType::tagging ? "index\tprediction\n"
                                                                                         : "index\tprediction\tscore\n");
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (task.type == TaskType::tagging) {
      std::vector<std::string> tags;
      for (int64_t c : p.word_classes[i]) tags.push_back(task.labels[size_t(c)]);
      // Words cut by truncation get no tag; they are listed with the kept ones only.
      std::vector<std::string> words(examples[i].tokens.begin(), examples[i].tokens.begin() + int64_t(tags.size()));
      if (jsonl) {
        out << nlohmann::json{{"tokens", words}, {"tags", tags}}.dump() << "\n";
      } else {
        std::string joined;
        for (size_t t = 0; t < tags.size(); ++t) joined += (t ? " " : "") + tags[t];
        out << i << "\t" << joined << "\n";
      }
    } else if (task.type == TaskType::regression) {
      if (jsonl) out << nlohmann::json{{"prediction", p.scores[i]}}.dump() << "\n";
      else out << i << "\t" << fmt::format("{:.6g}", p.scores[i]) << "\n";
    } else {
      const std::string& label = task.labels[size_t(p.classes[i])];
      if (jsonl) out << nlohmann::json{{"label", label}, {"score", p.scores[i]}}.dump() << "\n";
      else out << i << "\t" << label << "\t" << fmt::format("{:.6f}", p.scores[i]) << "\n";
    }
  }
  fmt::print("wrote {} predictions to {}\n", encoded.size(), a.output);
  return 0;
}

const RegisterCommand registered_predict(
    "predict", "write a fine-tuned model's predictions for a task file (TSV or JSONL)",
    [](CLI::App& sub) -> CommandRun {
      auto a = std::make_shared<PredictArgs>();
      sub.add_option("--model", a->model, "fine-tuned checkpoint (or run) directory")->required();
      sub.add_option("--input", a->input, "task file (GLUE TSV, JSONL, TSV, CoNLL)")->required();
      sub.add_option("--output", a->output, "predictions: .jsonl for JSON lines, else TSV")->required();
      sub.add_option("--batch", a->batch, "sequences per forward pass")->check(CLI::PositiveNumber);
      return [a] { return run_predict(*a); };
    },
    42);

}  // namespace
}  // namespace roberta::cli
