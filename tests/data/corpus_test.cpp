#include "tests/catch.h"

#include <fstream>

#include "data/corpus.h"
#include "tests/data/synthetic.h"
#include "util/error.h"

using namespace roberta::data;

namespace {
std::string write_file(const std::string& name, const std::string& content) {
  const std::string path = testing::temp_dir("corpus_" + name) + "/" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}
std::vector<std::string> read_all(const std::string& path) {
  CorpusReader reader(path, corpus_format_for(path));
  std::vector<std::string> docs;
  std::string doc;
  while (reader.next(doc)) docs.push_back(doc);
  CHECK(reader.bytes_read() == reader.total_bytes());
  return docs;
}
}  // namespace

TEST_CASE("plain text: blank lines separate documents", "[data][corpus]") {
  auto path = write_file("a.txt", "\n\nfirst line\nsecond line\n\n  \n\nother doc\r\n\nlast without newline");
  CHECK(read_all(path) == std::vector<std::string>{"first line\nsecond line", "other doc", "last without newline"});
}

TEST_CASE("JSONL: the text field, blank lines skipped, malformed lines name file and line", "[data][corpus]") {
  auto good = write_file("b.jsonl", "{\"text\": \"one\", \"id\": 1}\n\n{\"text\": \"two\\nlines\"}\n");
  CHECK(read_all(good) == std::vector<std::string>{"one", "two\nlines"});
  auto bad = write_file("c.jsonl", "{\"text\": \"ok\"}\n{\"txt\": \"no\"}\n");
  CHECK_THROWS_WITH(read_all(bad), Catch::Matchers::ContainsSubstring("c.jsonl:2") && Catch::Matchers::ContainsSubstring("\"text\""));
  auto broken = write_file("d.jsonl", "{\"text\": \"ok\"}\n\n{not json\n");
  CHECK_THROWS_WITH(read_all(broken), Catch::Matchers::ContainsSubstring("d.jsonl:3") && Catch::Matchers::ContainsSubstring("invalid JSON"));
  CHECK_THROWS_AS(CorpusReader("/nonexistent/x.txt", CorpusFormat::text), roberta::Error);
}
