// CoNLL-style token tagging: one token per line with its tag in the last whitespace-
// separated column (CoNLL-2003's four columns or plain "word tag"), a blank line between
// sentences, "-DOCSTART-" lines ignored. A line with a single column is an error naming the
// file and line, unless every line of the file has one column (unlabeled input).
#pragma once

#include <string>
#include <vector>

#include "data/tasks/example.h"

namespace roberta::data::tasks {

std::vector<Example> read_conll(const std::string& path);

}  // namespace roberta::data::tasks
