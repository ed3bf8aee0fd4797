// RoBERTa input templates: the pair template <s> A </s></s> B </s> against Hugging Face's golden
// ids (tests/fixtures/tokenizer), longest-first truncation by hand, first-sub-token tagging labels.
#include <fstream>

#include <nlohmann/json.hpp>

#include "roberta/tasks/encoding.h"
#include "synthetic_tasks.h"

// Last: torch pulls in glog, whose CHECK macro must not replace Catch's.
#include "tests/catch.h"

using namespace roberta;

namespace {

tokenizer::Tokenizer roberta_tokenizer() {
  static tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(std::string(ROBERTA_FIXTURES) + "/tokenizer/roberta");
  return tok;
}

TaskSpec spec(TaskType type, std::vector<std::string> labels = {"neg", "pos"}) {
  TaskSpec s;
  s.name = "t";
  s.type = type;
  s.metric = "accuracy";
  s.labels = std::move(labels);
  return s;
}

data::tasks::Example pair(const std::string& a, const std::string& b, const std::string& label = "pos") {
  data::tasks::Example e;
  e.text_a = a;
  e.text_b = b;
  e.label = label;
  return e;
}

}  // namespace

TEST_CASE("longest-first truncation drops from the longer side, from b on a tie", "[tasks][encoding]") {
  std::vector<int32_t> a = {1, 2, 3, 4, 5}, b = {6, 7, 8};
  truncate_longest_first(a, b, 6);
  CHECK((a == std::vector<int32_t>{1, 2, 3}));
  CHECK((b == std::vector<int32_t>{6, 7, 8}));

  a = {1, 2, 3};
  b = {4, 5, 6};
  truncate_longest_first(a, b, 5);
  CHECK((a == std::vector<int32_t>{1, 2, 3}));
  CHECK((b == std::vector<int32_t>{4, 5}));

  a = {1, 2, 3, 4};
  b = {5, 6, 7, 8, 9, 10};
  truncate_longest_first(a, b, 4);
  CHECK((a == std::vector<int32_t>{1, 2}));
  CHECK((b == std::vector<int32_t>{5, 6}));

  a = {1, 2};
  b = {3};
  truncate_longest_first(a, b, 10);  // fits: untouched
  CHECK(a.size() == 2);
  CHECK(b.size() == 1);
}

TEST_CASE("pair template <s> A </s></s> B </s> with HF's ids and truncation", "[tasks][encoding]") {
  // Golden ids from Hugging Face's RoBERTa tokenizer (scripts/reference/gen_fixtures.js):
  // roberta_single = tokenizer(text), roberta_pair = tokenizer(text, "Second segment.").
  std::ifstream in(std::string(ROBERTA_FIXTURES) + "/tokenizer/golden.json");
  const auto golden = nlohmann::json::parse(in).at(0);
  const std::string text = golden["text"];
  const auto single_ids = golden["roberta_single"].get<std::vector<int32_t>>();
  const auto pair_ids = golden["roberta_pair"].get<std::vector<int32_t>>();
  const auto a_ids = golden["roberta_ids"].get<std::vector<int32_t>>();
  REQUIRE(a_ids.size() > 6);

  const auto tok = roberta_tokenizer();
  auto e = encode_example(tok, spec(TaskType::pair), pair(text, "Second segment."), 512, "test");
  CHECK((e.ids == pair_ids));
  CHECK(e.label == 1);
  e = encode_example(tok, spec(TaskType::classification), pair(text, ""), 512, "test");
  CHECK((e.ids == single_ids));

  // seq_len 9 leaves 5 content tokens: A (long) is cut to B's length 3, then the tie takes
  // B's last token: <s> A[0..3) </s></s> B[0..2) </s>.
  const std::vector<int32_t> b_ids(pair_ids.begin() + int64_t(a_ids.size()) + 3, pair_ids.end() - 1);
  REQUIRE(b_ids.size() == 3);
  e = encode_example(tok, spec(TaskType::pair), pair(text, "Second segment."), 9, "test");
  const std::vector<int32_t> expected = {0, a_ids[0], a_ids[1], a_ids[2], 2, 2, b_ids[0], b_ids[1], 2};
  CHECK((e.ids == expected));
  // Single sentence cut to seq_len: <s> A[0..2) </s>.
  e = encode_example(tok, spec(TaskType::classification), pair(text, ""), 4, "test");
  CHECK((e.ids == std::vector<int32_t>{0, a_ids[0], a_ids[1], 2}));
}

TEST_CASE("an unknown label names the origin and the known labels", "[tasks][encoding]") {
  const auto tok = roberta_tokenizer();
  CHECK_THROWS_WITH(encode_example(tok, spec(TaskType::pair), pair("a", "b", "meh"), 512, "dev.tsv:7"),
                    Catch::Matchers::ContainsSubstring("dev.tsv:7") && Catch::Matchers::ContainsSubstring("'meh'") && Catch::Matchers::ContainsSubstring("neg, pos"));
}

TEST_CASE("tagging labels the first sub-token of each word, -100 elsewhere", "[tasks][encoding]") {
  const auto tok = roberta_tokenizer();
  const TaskSpec s = spec(TaskType::tagging, {"O", "X"});
  data::tasks::Example e;
  e.tokens = {"Hello", "antidisestablishmentarianism", "world"};
  e.tags = {"X", "O", "X"};
  // Each word is encoded on its own with a leading space (HF's add_prefix_space=True).
  std::vector<size_t> pieces;
  for (const auto& w : e.tokens) pieces.push_back(tok.encode(" " + w).size());
  REQUIRE(pieces[1] > 1);  // a word that splits, so the -100 continuation is exercised

  std::vector<int64_t> expected = {kIgnoreLabel};
  const std::vector<int64_t> tag_ids = {1, 0, 1};
  for (size_t w = 0; w < pieces.size(); ++w) {
    expected.push_back(tag_ids[w]);
    for (size_t p = 1; p < pieces[w]; ++p) expected.push_back(kIgnoreLabel);
  }
  expected.push_back(kIgnoreLabel);
  const auto out = encode_example(tok, s, e, 512, "test");
  CHECK(out.token_labels == expected);
  CHECK(out.ids.size() == expected.size());
  CHECK(out.ids.front() == 0);
  CHECK(out.ids.back() == 2);
  CHECK((out.word_starts == std::vector<int64_t>{1, int64_t(1 + pieces[0]), int64_t(1 + pieces[0] + pieces[1])}));

  // Truncation keeps whole words only: room for the first word alone.
  const auto cut = encode_example(tok, s, e, int64_t(pieces[0] + 2), "test");
  CHECK(cut.word_starts.size() == 1);
  CHECK(cut.ids.size() == pieces[0] + 2);
}

TEST_CASE("task.json: labels as a file or inline, any other value names the key", "[tasks]") {
  const std::filesystem::path dir = roberta::test::temp_dir("task_labels");
  roberta::test::write_synthetic_task(dir, "classification", 4, 2, 7);
  FinetuneConfig c;
  c.data_dir = dir.string();
  const TaskSpec from_file = resolve_task(c);
  nlohmann::json j = nlohmann::json::parse(std::ifstream(dir / "task.json"));
  j["labels"] = from_file.labels;  // the same labels, inline
  std::ofstream(dir / "task.json") << j.dump();
  CHECK(resolve_task(c).labels == from_file.labels);
  j["labels"] = {1, 2};
  std::ofstream(dir / "task.json") << j.dump();
  CHECK_THROWS_WITH(resolve_task(c), Catch::Matchers::ContainsSubstring("task.json: key \"labels\"") &&
                                         Catch::Matchers::ContainsSubstring("[1,2]"));
}
