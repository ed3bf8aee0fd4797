// CoNLL token/tag reader (see conll.h).
#include "data/tasks/conll.h"

#include <fstream>
#include <sstream>

#include "util/error.h"

namespace roberta::data::tasks {

std::vector<Example> read_conll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("{}: cannot open the CoNLL file", path);
  std::vector<Example> out;
  Example current;
  std::string line;
  uint64_t line_no = 0;
  int labeled = -1;  // -1 unknown, 0 unlabeled file, 1 labeled file
  auto close = [&]() {
    if (!current.tokens.empty()) out.push_back(std::move(current));
    current = Example{};
  };
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::istringstream fields(line);
    std::vector<std::string> cols;
    for (std::string f; fields >> f;) cols.push_back(f);
    if (cols.empty()) {
      close();
      continue;
    }
    if (cols[0] == "-DOCSTART-") continue;
    const int has_tag = cols.size() >= 2 ? 1 : 0;
    if (labeled < 0) labeled = has_tag;
    if (has_tag != labeled) {
      fail("{}:{}: expected {}, found {} column(s): \"{}\"", path, line_no,
           labeled ? "a token and a tag" : "a token alone", cols.size(), line);
    }
    if (current.tokens.empty()) current.line = line_no;
    current.tokens.push_back(cols.front());
    if (has_tag) current.tags.push_back(cols.back());
  }
  close();
  return out;
}

}  // namespace roberta::data::tasks
