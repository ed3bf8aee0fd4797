// Generic task files:
//   TSV    a header naming `text`, optional `text_pair`, optional `label`; tab-separated rows
//   JSONL  objects with string `text`, optional string `text_pair`, optional `label`
//          (a string is a class name; a number is a regression target)
// A TSV numeric `label` column stays a class name unless `regression` is set.
// Malformed rows give a roberta::Error naming the file and line.
#pragma once

#include <string>
#include <vector>

#include "data/tasks/example.h"

namespace roberta::data::tasks {

std::vector<Example> read_tsv(const std::string& path, bool regression = false);
std::vector<Example> read_jsonl(const std::string& path);
// By extension: .jsonl/.json -> JSONL, .conll -> CoNLL, anything else -> TSV.
std::vector<Example> read_task_file(const std::string& path, bool regression = false);

}  // namespace roberta::data::tasks
