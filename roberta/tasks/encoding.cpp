// RoBERTa input templates, longest-first truncation and first-sub-token labels.
#include "roberta/tasks/encoding.h"

#include <cmath>
#include <string>

#include <fmt/format.h>

#include "util/error.h"

namespace roberta {

void truncate_longest_first(std::vector<int32_t>& a, std::vector<int32_t>& b, int64_t budget) {
  if (budget < 0) budget = 0;
  while (int64_t(a.size() + b.size()) > budget) {
    if (a.size() > b.size()) a.pop_back();
    else b.pop_back();
  }
}

EncodedExample encode_example(const tokenizer::Tokenizer& tok, const TaskSpec& task,
                              const data::tasks::Example& ex, int64_t seq_len, const std::string& origin) {
  EncodedExample out;
  const int32_t bos = tok.bos_id(), eos = tok.eos_id();
  if (task.type == TaskType::tagging) {
    if (!ex.tags.empty() && ex.tags.size() != ex.tokens.size()) {
      fail("{}: {} words but {} tags", origin, ex.tokens.size(), ex.tags.size());
    }
    out.ids.push_back(bos);
    out.token_labels.push_back(kIgnoreLabel);
    for (size_t w = 0; w < ex.tokens.size(); ++w) {
      std::vector<int32_t> pieces = tok.encode(" " + ex.tokens[w]);
      if (pieces.empty()) continue;
      if (int64_t(out.ids.size() + pieces.size()) + 1 > seq_len) break;  // the rest is truncated
      out.word_starts.push_back(int64_t(out.ids.size()));
      const int64_t label = ex.tags.empty() ? kIgnoreLabel : task.label_id(ex.tags[w], origin);
      for (size_t p = 0; p < pieces.size(); ++p) {
        out.ids.push_back(pieces[p]);
        out.token_labels.push_back(p == 0 ? label : kIgnoreLabel);
      }
    }
    out.ids.push_back(eos);
    out.token_labels.push_back(kIgnoreLabel);
    return out;
  }
  std::vector<int32_t> a = tok.encode_with_specials(ex.text_a);
  if (task.type == TaskType::pair) {
    std::vector<int32_t> b = tok.encode_with_specials(ex.text_b);
    truncate_longest_first(a, b, seq_len - 4);
    out.ids.reserve(a.size() + b.size() + 4);
    out.ids.push_back(bos);
    out.ids.insert(out.ids.end(), a.begin(), a.end());
    out.ids.push_back(eos);
    out.ids.push_back(eos);
    out.ids.insert(out.ids.end(), b.begin(), b.end());
    out.ids.push_back(eos);
  } else {
    if (int64_t(a.size()) > seq_len - 2) a.resize(std::max<int64_t>(0, seq_len - 2));
    out.ids.push_back(bos);
    out.ids.insert(out.ids.end(), a.begin(), a.end());
    out.ids.push_back(eos);
  }
  if (task.type == TaskType::regression) {
    if (!std::isnan(ex.target)) {
      out.target = ex.target;
      out.label = 0;  // labelled
    } else if (!ex.label.empty()) {
      try {
        out.target = std::stof(ex.label);
        out.label = 0;
      } catch (const std::exception&) {
        fail("{}: expected a number as regression target, found '{}'", origin, ex.label);
      }
    }
  } else if (!ex.label.empty()) {
    out.label = task.label_id(ex.label, origin);
  } else if (!std::isnan(ex.target)) {
    // A numeric JSONL label of a classification task: the class named by that number.
    out.label = task.label_id(fmt::format("{}", ex.target), origin);
  }
  return out;
}

std::vector<EncodedExample> encode_examples(const tokenizer::Tokenizer& tok, const TaskSpec& task,
                                            const std::vector<data::tasks::Example>& examples,
                                            int64_t seq_len, const std::string& origin) {
  std::vector<EncodedExample> out;
  out.reserve(examples.size());
  for (size_t i = 0; i < examples.size(); ++i) {
    // file:line when the reader knew the line (every file reader does), else the ordinal.
    const std::string where = examples[i].line > 0 ? fmt::format("{}:{}", origin, examples[i].line)
                                                   : fmt::format("{}: example {}", origin, i + 1);
    out.push_back(encode_example(tok, task, examples[i], seq_len, where));
  }
  return out;
}

TaskBatch collate(const std::vector<const EncodedExample*>& examples, TaskType type, int64_t pad_id) {
  const int64_t B = int64_t(examples.size());
  int64_t T = 0;
  for (const auto* e : examples) T = std::max<int64_t>(T, int64_t(e->ids.size()));
  TaskBatch batch;
  batch.input_ids = at::full({B, T}, pad_id, at::kLong);  // [B,T]
  auto ids = batch.input_ids.accessor<int64_t, 2>();
  if (type == TaskType::tagging) {
    batch.labels = at::full({B, T}, kIgnoreLabel, at::kLong);  // [B,T]
  } else if (type == TaskType::regression) {
    batch.labels = at::zeros({B}, at::kFloat);  // [B]
  } else {
    batch.labels = at::full({B}, kIgnoreLabel, at::kLong);  // [B]
  }
  for (int64_t b = 0; b < B; ++b) {
    const EncodedExample& e = *examples[b];
    for (size_t t = 0; t < e.ids.size(); ++t) ids[b][t] = e.ids[t];
    if (type == TaskType::tagging) {
      auto lab = batch.labels.accessor<int64_t, 2>();
      for (size_t t = 0; t < e.token_labels.size(); ++t) lab[b][t] = e.token_labels[t];
    } else if (type == TaskType::regression) {
      batch.labels.accessor<float, 1>()[b] = e.target;
    } else {
      batch.labels.accessor<int64_t, 1>()[b] = e.label;
    }
  }
  return batch;
}

}  // namespace roberta
