// GLUE names and local-suite task.json files -> TaskSpec.
#include "roberta/tasks/task.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "data/tasks/conll.h"
#include "data/tasks/glue.h"
#include "data/tasks/tsv_jsonl.h"
#include "roberta/interop/hf_config.h"
#include "util/error.h"

namespace roberta {
namespace {

namespace fs = std::filesystem;
using data::tasks::GlueTask;

const char* kGlueNames = "cola, sst2, mrpc, stsb, qqp, mnli, qnli, rte, wnli";

bool is_glue_name(const std::string& name) {
  try {
    data::tasks::glue_task_from_name(name);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

std::string glue_default_metric(GlueTask t) {
  switch (t) {
    case GlueTask::cola: return "mcc";
    case GlueTask::stsb: return "pearson";
    default: return "accuracy";
  }
}

std::string canonical_glue_name(GlueTask t) {
  static const char* names[] = {"cola", "sst2", "mrpc", "stsb", "qqp", "mnli", "qnli", "rte", "wnli"};
  return names[static_cast<int>(t)];
}

TaskSpec glue_spec(const FinetuneConfig& c) {
  const GlueTask t = data::tasks::glue_task_from_name(c.task);
  TaskSpec s;
  s.glue = canonical_glue_name(t);
  s.name = s.glue;
  s.labels = data::tasks::glue_labels(t);
  s.type = t == GlueTask::stsb ? TaskType::regression
                               : (data::tasks::glue_has_pairs(t) ? TaskType::pair : TaskType::classification);
  s.metric = glue_default_metric(t);
  const fs::path d(c.data_dir);
  s.train_file = (d / "train.tsv").string();
  if (t == GlueTask::mnli) {
    s.dev_files = {{"dev_matched", (d / "dev_matched.tsv").string()},
                   {"dev_mismatched", (d / "dev_mismatched.tsv").string()}};
    s.test_file = (d / "test_matched.tsv").string();
  } else {
    s.dev_files = {{"dev", (d / "dev.tsv").string()}};
    s.test_file = (d / "test.tsv").string();
  }
  return s;
}

std::vector<std::string> read_labels_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail("{}: missing (the task's label list, one per line)", path);
  std::vector<std::string> labels;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) labels.push_back(line);
  }
  if (labels.empty()) fail("{}: no labels", path);
  return labels;
}

TaskSpec local_spec(const FinetuneConfig& c, const std::string& json_path) {
  const nlohmann::json j = read_json_file(json_path);
  TaskSpec s;
  const fs::path d(c.data_dir);
  try {
    s.name = j.value("name", c.task);
    s.type = parse_task_type(j.at("type").get<std::string>(), json_path + ": type");
    s.metric = j.value("metric", std::string(s.type == TaskType::regression ? "pearson" : "accuracy"));
    if (s.type != TaskType::regression) {
      // "labels": a file of one label per line (default labels.txt), or the labels inline.
      const nlohmann::json labels = j.value("labels", nlohmann::json("labels.txt"));
      if (labels.is_string()) {
        s.labels = read_labels_file((d / labels.get<std::string>()).string());
      } else if (labels.is_array() && !labels.empty() &&
                 std::all_of(labels.begin(), labels.end(), [](const auto& l) { return l.is_string(); })) {
        s.labels = labels.get<std::vector<std::string>>();
      } else {
        fail("{}: key \"labels\": expected a file name (\"labels.txt\") or a non-empty list of label "
             "strings, found {}", json_path, labels.dump().substr(0, 80));
      }
    }
    const auto& files = j.at("files");
    s.train_file = (d / files.at("train").get<std::string>()).string();
    s.dev_files = {{"dev", (d / files.at("dev").get<std::string>()).string()}};
    if (files.contains("test")) s.test_file = (d / files.at("test").get<std::string>()).string();
    if (j.contains("num_labels") && s.type != TaskType::regression &&
        j["num_labels"].get<int64_t>() != int64_t(s.labels.size())) {
      fail("{}: num_labels is {} but the labels file lists {}", json_path, j["num_labels"].get<int64_t>(),
           s.labels.size());
    }
  } catch (const nlohmann::json::exception& e) {
    fail("{}: expected keys type and files.{{train,dev}}: {}", json_path, e.what());
  }
  if (!c.task.empty() && c.task != s.name) {
    fail("{}: the task is '{}' but finetune.task says '{}'", json_path, s.name, c.task);
  }
  return s;
}

}  // namespace

TaskType parse_task_type(const std::string& name, const std::string& origin) {
  if (name == "classification") return TaskType::classification;
  if (name == "pair") return TaskType::pair;
  if (name == "regression") return TaskType::regression;
  if (name == "tagging") return TaskType::tagging;
  fail("{}: expected classification, pair, regression or tagging, found '{}'", origin, name);
}

std::string to_string(TaskType type) {
  switch (type) {
    case TaskType::classification: return "classification";
    case TaskType::pair: return "pair";
    case TaskType::regression: return "regression";
    case TaskType::tagging: return "tagging";
  }
  return "?";
}

int64_t TaskSpec::label_id(const std::string& label, const std::string& origin) const {
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] == label) return int64_t(i);
  }
  fail("{}: unknown label '{}' for task {} (expected one of: {})", origin, label, name, fmt::join(labels, ", "));
}

TaskSpec resolve_task(const FinetuneConfig& c) {
  TaskSpec s;
  const std::string json_path = (fs::path(c.data_dir) / "task.json").string();
  if (!c.data_dir.empty() && fs::exists(json_path)) {
    s = local_spec(c, json_path);
  } else if (is_glue_name(c.task)) {
    if (c.data_dir.empty()) fail("finetune.data_dir: expected the directory of the GLUE {} TSV files, found ''", c.task);
    s = glue_spec(c);
  } else {
    fail("finetune.task: unknown task '{}' (expected a GLUE task: {}; or finetune.data_dir holding a task.json, "
         "and '{}' has none)",
         c.task, kGlueNames, c.data_dir);
  }
  if (!c.metric.empty()) {
    static const std::vector<std::string> known = {"accuracy", "f1", "mcc", "pearson", "spearman"};
    if (std::find(known.begin(), known.end(), c.metric) == known.end()) {
      fail("finetune.metric: expected one of {}, found '{}'", fmt::join(known, ", "), c.metric);
    }
    s.metric = c.metric;
  }
  if (c.num_labels > 0 && c.num_labels != s.num_outputs()) {
    fail("finetune.num_labels: is {} but task {} has {} output(s)", c.num_labels, s.name, s.num_outputs());
  }
  if (!fs::exists(s.train_file)) fail("{}: missing (the training split of task {})", s.train_file, s.name);
  for (const auto& [split, path] : s.dev_files) {
    if (!fs::exists(path)) fail("{}: missing (the {} split of task {})", path, split, s.name);
  }
  return s;
}

std::vector<data::tasks::Example> read_task_examples(const TaskSpec& task, const std::string& path) {
  if (!fs::exists(path)) fail("{}: missing (a data file of task {})", path, task.name);
  if (!task.glue.empty() && path.size() > 4 && path.substr(path.size() - 4) == ".tsv") {
    return data::tasks::read_glue(data::tasks::glue_task_from_name(task.glue), path);
  }
  return data::tasks::read_task_file(path, task.type == TaskType::regression);
}

std::vector<data::tasks::Example> read_labeled_examples(const TaskSpec& task, const std::string& path) {
  auto examples = read_task_examples(task, path);
  for (const auto& ex : examples) {
    if (!ex.has_label()) {
      fail("{}:{}: expected a labeled row ({} of task {}), found one without a label; unlabeled rows "
           "belong to the input of `roberta predict`", path, ex.line,
           task.type == TaskType::regression ? "a numeric target" : task.type == TaskType::tagging ? "tags" : "a label",
           task.name);
    }
  }
  return examples;
}

nlohmann::json task_to_json(const TaskSpec& task) {
  nlohmann::json j;
  j["name"] = task.name;
  j["type"] = to_string(task.type);
  j["metric"] = task.metric;
  j["labels"] = task.labels;
  j["num_labels"] = task.num_outputs();
  if (!task.glue.empty()) j["glue"] = task.glue;
  return j;
}

TaskSpec task_from_json(const nlohmann::json& j, const std::string& origin) {
  TaskSpec s;
  try {
    s.name = j.at("name").get<std::string>();
    s.type = parse_task_type(j.at("type").get<std::string>(), origin + ": type");
    s.metric = j.at("metric").get<std::string>();
    s.labels = j.at("labels").get<std::vector<std::string>>();
    s.glue = j.value("glue", std::string());
  } catch (const nlohmann::json::exception& e) {
    fail("{}: expected name, type, metric, labels: {}", origin, e.what());
  }
  return s;
}

std::vector<std::string> task_metric_names(const TaskSpec& task) {
  std::vector<std::string> names{task.metric};
  auto add = [&](const std::string& n) {
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  };
  if (task.type == TaskType::regression) {
    add("pearson");
    add("spearman");
  } else {
    add("accuracy");
    if (task.glue == "mrpc" || task.glue == "qqp") add("f1");
    if (task.glue == "cola") add("mcc");
  }
  return names;
}

}  // namespace roberta
