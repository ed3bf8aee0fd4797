// GLUE TSV layouts (see glue.h).
#include "data/tasks/glue.h"

#include <algorithm>
#include <cctype>
#include <fstream>

#include "util/error.h"

namespace roberta::data::tasks {
namespace {

struct Columns {
  const char* a;
  const char* b;      // nullptr: single sentence
  const char* label;  // the label (or score) column
};

Columns columns_of(GlueTask task) {
  switch (task) {
    case GlueTask::cola: return {"sentence", nullptr, "label"};
    case GlueTask::sst2: return {"sentence", nullptr, "label"};
    case GlueTask::mrpc: return {"#1 String", "#2 String", "Quality"};
    case GlueTask::stsb: return {"sentence1", "sentence2", "score"};
    case GlueTask::qqp: return {"question1", "question2", "is_duplicate"};
    case GlueTask::mnli: return {"sentence1", "sentence2", "gold_label"};
    case GlueTask::qnli: return {"question", "sentence", "label"};
    case GlueTask::rte: return {"sentence1", "sentence2", "label"};
    case GlueTask::wnli: return {"sentence1", "sentence2", "label"};
  }
  return {"sentence", nullptr, "label"};
}

}  // namespace

GlueTask glue_task_from_name(const std::string& name) {
  std::string n;
  for (char c : name) {
    if (c != '-' && c != '_') n += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (n == "cola") return GlueTask::cola;
  if (n == "sst2") return GlueTask::sst2;
  if (n == "mrpc") return GlueTask::mrpc;
  if (n == "stsb") return GlueTask::stsb;
  if (n == "qqp") return GlueTask::qqp;
  if (n == "mnli") return GlueTask::mnli;
  if (n == "qnli") return GlueTask::qnli;
  if (n == "rte") return GlueTask::rte;
  if (n == "wnli") return GlueTask::wnli;
  fail("GLUE task: expected one of cola, sst2, mrpc, stsb, qqp, mnli, qnli, rte, wnli; found \"{}\"", name);
}

std::vector<std::string> glue_labels(GlueTask task) {
  switch (task) {
    case GlueTask::stsb: return {};
    case GlueTask::mnli: return {"contradiction", "entailment", "neutral"};
    case GlueTask::qnli:
    case GlueTask::rte: return {"entailment", "not_entailment"};
    default: return {"0", "1"};
  }
}

bool glue_has_pairs(GlueTask task) { return columns_of(task).b != nullptr; }

std::vector<Example> read_glue(GlueTask task, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("{}: cannot open the GLUE file", path);
  const Columns want = columns_of(task);
  const auto labels = glue_labels(task);
  std::vector<Example> examples;
  std::string line;
  uint64_t line_no = 0;
  int a = -1, b = -1, label = -1;
  size_t fields_expected = 0;
  auto check_label = [&](const std::string& value) {
    if (task == GlueTask::stsb) return;
    if (std::find(labels.begin(), labels.end(), value) == labels.end()) {
      std::string set;
      for (const auto& l : labels) set += (set.empty() ? "" : ", ") + l;
      fail("{}:{}: expected a label in {{{}}}, found \"{}\"", path, line_no, set, value);
    }
  };
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto fields = split_tabs(line);
    if (line_no == 1) {
      const bool headerless_cola = task == GlueTask::cola && fields.size() == 4 && fields[0] != "index";
      if (headerless_cola) {
        a = 3;
        label = 1;
        fields_expected = 4;
      } else {
        auto find = [&](const char* name) -> int {
          if (!name) return -1;
          auto it = std::find(fields.begin(), fields.end(), name);
          return it == fields.end() ? -1 : static_cast<int>(it - fields.begin());
        };
        a = find(want.a);
        b = find(want.b);
        label = find(want.label);
        fields_expected = fields.size();
        if (a < 0 || (want.b && b < 0)) {
          fail("{}:1: expected a header with columns \"{}\"{}{}, found \"{}\"", path, want.a,
               want.b ? " and \"" : "", want.b ? std::string(want.b) + "\"" : "", line.substr(0, 120));
        }
        continue;
      }
    }
    if (line.empty()) continue;
    // MNLI rows may carry fewer annotator labels than the header has columns: require
    // every column up to the ones we read.
    const size_t needed = static_cast<size_t>(std::max({a, b, label})) + 1;
    const bool ok = task == GlueTask::mnli ? fields.size() >= needed : fields.size() == fields_expected;
    if (!ok) {
      fail("{}:{}: expected {} tab-separated fields, found {}", path, line_no,
           task == GlueTask::mnli ? needed : fields_expected, fields.size());
    }
    Example ex;
    ex.line = line_no;
    ex.text_a = fields[static_cast<size_t>(a)];
    if (b >= 0) ex.text_b = fields[static_cast<size_t>(b)];
    if (label >= 0) {
      if (task == GlueTask::mnli && static_cast<size_t>(label) >= fields.size()) {
        fail("{}:{}: expected a gold_label field, found {} fields", path, line_no, fields.size());
      }
      const std::string& value = fields[static_cast<size_t>(label)];
      if (task == GlueTask::stsb) {
        try {
          size_t used = 0;
          ex.target = std::stof(value, &used);
          if (used != value.size()) throw std::invalid_argument(value);
        } catch (const std::exception&) {
          fail("{}:{}: expected a numeric score, found \"{}\"", path, line_no, value);
        }
      } else {
        check_label(value);
        ex.label = value;
      }
    }
    examples.push_back(std::move(ex));
  }
  return examples;
}

}  // namespace roberta::data::tasks
