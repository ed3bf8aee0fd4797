// Fine-tuning end to end on synthetic learnable tasks (rules in synthetic_tasks.h) from a
// randomly initialised 2-layer model: every task type must beat its majority / constant
// baseline by a stated margin on held-out dev data; best-checkpoint bookkeeping must agree
// with metrics.jsonl and with re-scoring the saved weights.
#include <fstream>
#include <map>

#include "data/tasks/tsv_jsonl.h"
#include "roberta/tasks/encoding.h"
#include "roberta/tasks/evaluator.h"
#include "roberta/tasks/finetuned.h"
#include "roberta/tasks/finetuner.h"
#include "synthetic_tasks.h"
#include "util/error.h"

// Last: torch pulls in glog, whose CHECK macro must not replace Catch's.
#include "tests/catch.h"

using namespace roberta;
using namespace roberta::test;

namespace {

// Share of the most frequent class among the dev labels, counted from the files.
double majority_share(const fs::path& dir, const std::string& type) {
  std::map<std::string, int> counts;
  int total = 0;
  if (type == "tagging") {
    std::ifstream in(dir / "dev.conll");
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      counts[line.substr(line.find('\t') + 1)]++;
      total++;
    }
  } else {
    for (const auto& e : data::tasks::read_jsonl((dir / "dev.jsonl").string())) {
      counts[e.label]++;
      total++;
    }
  }
  int best = 0;
  for (const auto& [label, n] : counts) best = std::max(best, n);
  return double(best) / total;
}

FinetuneResult train_synthetic(const std::string& type, int epochs = 4, double lr = 2e-3) {
  const fs::path dir = temp_dir("ft_" + type);
  write_synthetic_task(dir / "data", type, 320, 100);
  Config c = tiny_config((dir / "data").string(), (dir / "run").string());
  c.finetune.epochs = epochs;
  c.finetune.lr = lr;
  return finetune(c, /*quiet=*/true);
}

}  // namespace

TEST_CASE("classification beats the majority baseline by 0.25", "[tasks][finetune]") {
  const auto r = train_synthetic("classification");
  const double majority = majority_share(temp_path("ft_classification") / "data",
                                         "classification");
  INFO("majority " << majority << ", best dev accuracy " << r.best_metric);
  CHECK(r.best_metric >= majority + 0.25);
}

TEST_CASE("sentence-pair classification beats the majority baseline by 0.25", "[tasks][finetune]") {
  const auto r = train_synthetic("pair", 12);
  const double majority = majority_share(temp_path("ft_pair") / "data", "pair");
  INFO("majority " << majority << ", best dev accuracy " << r.best_metric);
  CHECK(r.best_metric >= majority + 0.25);
}

TEST_CASE("regression reaches Pearson 0.8 (a constant predictor has 0)", "[tasks][finetune]") {
  const auto r = train_synthetic("regression");
  INFO("best dev pearson " << r.best_metric);
  CHECK(r.metric == "pearson");
  CHECK(r.best_metric >= 0.8);
}

TEST_CASE("token classification beats the majority tag by 0.1", "[tasks][finetune]") {
  const auto r = train_synthetic("tagging", 8, 5e-3);
  const double majority = majority_share(temp_path("ft_tagging") / "data", "tagging");
  INFO("majority " << majority << ", best dev accuracy " << r.best_metric);
  CHECK(majority < 0.9);
  CHECK(r.best_metric >= majority + 0.1);
}

TEST_CASE("best checkpoint is the argmax epoch of metrics.jsonl and re-scores to its value", "[tasks][finetune]") {
  const fs::path dir = temp_dir("ft_best");
  write_synthetic_task(dir / "data", "classification", 96, 60, 5);
  Config c = tiny_config((dir / "data").string(), (dir / "run").string());
  c.finetune.epochs = 3;
  c.finetune.lr = 1e-3;
  const FinetuneResult r = finetune(c, true);

  // Independent record: the dev lines of metrics.jsonl.
  std::ifstream in(dir / "run/metrics.jsonl");
  int64_t best_epoch = 0;
  double best = -1;
  int dev_lines = 0;
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    if (j["split"] != "dev") continue;
    ++dev_lines;
    if (j["accuracy"].get<double>() > best) {
      best = j["accuracy"].get<double>();
      best_epoch = j["epoch"].get<int64_t>();
    }
  }
  CHECK(dev_lines == 3);
  CHECK(r.best_epoch == best_epoch);
  std::ifstream task_in(dir / "run/best/task.json");
  auto task_json = nlohmann::json::parse(task_in);
  CHECK(task_json["epoch"].get<int64_t>() == best_epoch);
  CHECK((task_json["labels"] == nlohmann::json({"no", "yes"})));
  CHECK(task_json["type"] == "classification");
  CHECK(fs::is_symlink(dir / "run/checkpoint-last"));

  // The saved weights are that epoch's: scoring dev again gives the recorded value.
  FinetunedModel f = load_finetuned((dir / "run/best").string(), c10::Device(c10::kCPU));
  const auto examples = encode_examples(f.pretrained.tokenizer, f.task,
                                        data::tasks::read_jsonl((dir / "data/dev.jsonl").string()), f.seq_len, "dev");
  const auto metrics = compute_metrics(f.task, examples, predict(*f.model, examples, f.task.type, f.pad_id, 16,
                                                                 c10::Device(c10::kCPU)));
  CHECK(metrics.front().second == Approx(best).margin(1e-9));
}

TEST_CASE("fine-tuning is deterministic given the seed", "[tasks][finetune]") {
  const fs::path dir = temp_dir("ft_det");
  write_synthetic_task(dir / "data", "classification", 48, 20, 3);
  Config c = tiny_config((dir / "data").string(), (dir / "run1").string());
  c.finetune.epochs = 1;
  c.model.dropout = 0.1;  // dropout draws must repeat too
  const FinetuneResult a = finetune(c, true);
  c.train.out_dir = (dir / "run2").string();
  const FinetuneResult b = finetune(c, true);
  CHECK(a.epochs.front().train_loss == b.epochs.front().train_loss);
}

TEST_CASE("clear errors: unknown label, bad task name, missing and mismatched checkpoints", "[tasks][finetune]") {
  const fs::path dir = temp_dir("ft_errors");
  write_synthetic_task(dir / "data", "classification", 16, 8);
  Config c = tiny_config((dir / "data").string(), (dir / "run").string());
  c.finetune.epochs = 1;

  SECTION("unknown label in the data names the file and the label") {
    std::ofstream(dir / "data/train.jsonl", std::ios::app) << R"({"text": "tree", "label": "maybe"})" << "\n";
    CHECK_THROWS_WITH(finetune(c, true), Catch::Matchers::ContainsSubstring("train.jsonl") && Catch::Matchers::ContainsSubstring("unknown label 'maybe'"));
  }
  SECTION("a task name that is neither GLUE nor a task.json directory") {
    c.finetune.task = "sst3";
    c.finetune.data_dir = (dir / "nowhere").string();
    CHECK_THROWS_WITH(finetune(c, true), Catch::Matchers::ContainsSubstring("unknown task 'sst3'") && Catch::Matchers::ContainsSubstring("sst2"));
  }
  SECTION("a missing init directory") {
    c.finetune.init = (dir / "no_such_run").string();
    CHECK_THROWS_AS(finetune(c, true), roberta::Error);
    CHECK_THROWS_WITH(finetune(c, true), Catch::Matchers::ContainsSubstring("no_such_run") && Catch::Matchers::ContainsSubstring("not a directory"));
  }
  SECTION("a directory that is no checkpoint") {
    c.finetune.init = (dir / "data").string();
    CHECK_THROWS_WITH(finetune(c, true), Catch::Matchers::ContainsSubstring("checkpoint-last"));
  }
  SECTION("a fine-tuned head of another shape, and evaluate on a checkpoint without a task") {
    finetune(c, true);  // 2 labels
    const fs::path other = dir / "data3";
    write_synthetic_task(other, "classification", 16, 8);
    write_task_json(other, "classification", "accuracy", {"no", "yes", "maybe"}, "jsonl");
    Config c3 = c;
    c3.finetune.data_dir = other.string();
    c3.finetune.init = (dir / "run/best").string();
    c3.train.out_dir = (dir / "run3").string();
    CHECK_THROWS_WITH(finetune(c3, true), Catch::Matchers::ContainsSubstring("classifier.out_proj.weight"));
  }
}
