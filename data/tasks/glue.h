// GLUE TSV readers (the files of the official GLUE distribution, as in glue_data/<TASK>/).
//   CoLA   no header; source, label (0/1), original label, sentence   (test: header, index, sentence)
//   SST-2  sentence, label (0/1)                                       (test: index, sentence)
//   MRPC   Quality (0/1), #1 ID, #2 ID, #1 String, #2 String
//   STS-B  index ... sentence1, sentence2, score (float 0..5 -> target)
//   QQP    id, qid1, qid2, question1, question2, is_duplicate (0/1)
//   MNLI   index ... sentence1, sentence2, label1.., gold_label (contradiction/entailment/neutral);
//          dev_matched.tsv and dev_mismatched.tsv alike
//   QNLI   index, question, sentence, label (entailment/not_entailment)
//   RTE    index, sentence1, sentence2, label (entailment/not_entailment)
//   WNLI   index, sentence1, sentence2, label (0/1)
// Files with a header are read by column name, so test files (no label column) give
// unlabeled examples. Fields are split on tabs only (GLUE files are not CSV-quoted).
// A row with the wrong number of fields or a label outside the task's set is a
// roberta::Error naming the file and line.
#pragma once

#include <string>
#include <vector>

#include "data/tasks/example.h"

namespace roberta::data::tasks {

enum class GlueTask { cola, sst2, mrpc, stsb, qqp, mnli, qnli, rte, wnli };

// "cola", "sst2"/"sst-2", "mrpc", "stsb"/"sts-b", "qqp", "mnli", "qnli", "rte", "wnli" (any case).
GlueTask glue_task_from_name(const std::string& name);
// The label set in id order; empty for STS-B (regression).
std::vector<std::string> glue_labels(GlueTask task);
bool glue_has_pairs(GlueTask task);

std::vector<Example> read_glue(GlueTask task, const std::string& path);

}  // namespace roberta::data::tasks
