// Task readers on hand-written files in the real layouts (GLUE rows copied in shape from
// the GLUE distribution), plus malformed rows.
#include "tests/catch.h"

#include <cmath>
#include <fstream>

#include "data/tasks/conll.h"
#include "data/tasks/glue.h"
#include "data/tasks/tsv_jsonl.h"
#include "tests/data/synthetic.h"
#include "util/error.h"

using namespace roberta::data::tasks;

namespace {
std::string write_file(const std::string& name, const std::string& content) {
  const std::string path = roberta::data::testing::temp_dir("tasks_" + name) + "/" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}
}  // namespace

TEST_CASE("GLUE: CoLA without header, SST-2 train and test", "[data][tasks]") {
  auto cola = read_glue(GlueTask::cola, write_file("cola.tsv",
      "gj04\t1\t\tOur friends won't buy this analysis.\n"
      "gj04\t0\t*\tThey drank the pub.\n"));
  REQUIRE(cola.size() == 2);
  CHECK(cola[0].text_a == "Our friends won't buy this analysis.");
  CHECK(cola[1].label == "0");
  auto sst = read_glue(GlueTask::sst2, write_file("sst.tsv", "sentence\tlabel\nhide new secretions \t0\n"));
  REQUIRE(sst.size() == 1);
  CHECK(sst[0].label == "0");
  auto sst_test = read_glue(GlueTask::sst2, write_file("sst_test.tsv", "index\tsentence\n0\tuneasy mishmash .\n"));
  REQUIRE(sst_test.size() == 1);
  CHECK_FALSE(sst_test[0].has_label());
}

TEST_CASE("GLUE: pair tasks read by column name, STS-B targets, MNLI gold label", "[data][tasks]") {
  auto mrpc = read_glue(GlueTask::mrpc, write_file("mrpc.tsv",
      "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n1\t702876\t702977\tAmrozi accused.\tReferring to him.\n"));
  CHECK(mrpc[0].text_a == "Amrozi accused.");
  CHECK(mrpc[0].text_b == "Referring to him.");
  CHECK(mrpc[0].label == "1");
  auto stsb = read_glue(GlueTask::stsb, write_file("stsb.tsv",
      "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n"
      "0\tmain-captions\tMSRvid\t2012test\t0001\tnone\tnone\tA plane is taking off.\tAn air plane is taking off.\t5.000\n"));
  CHECK(stsb[0].target == Approx(5.0f));
  CHECK(stsb[0].label.empty());
  auto mnli = read_glue(GlueTask::mnli, write_file("dev_matched.tsv",
      "index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1_parse\tsentence2_parse\tsentence1\tsentence2\tlabel1\tlabel2\tgold_label\n"
      "0\t63735\t63735n\tslate\t(x)\t(y)\t(X)\t(Y)\tThe new rights are nice enough\tEveryone really likes the newest benefits \tneutral\tentailment\tneutral\n"));
  CHECK(mnli[0].text_a == "The new rights are nice enough");
  CHECK(mnli[0].label == "neutral");
  auto qnli = read_glue(GlueTask::qnli, write_file("qnli.tsv", "index\tquestion\tsentence\tlabel\n0\tWhat?\tThat.\tnot_entailment\n"));
  CHECK(qnli[0].label == "not_entailment");
  CHECK(glue_task_from_name("SST-2") == GlueTask::sst2);
  CHECK(glue_labels(GlueTask::mnli) == std::vector<std::string>{"contradiction", "entailment", "neutral"});
  CHECK_THROWS_AS(glue_task_from_name("squad"), roberta::Error);
}

TEST_CASE("GLUE: malformed rows name file and line", "[data][tasks]") {
  CHECK_THROWS_WITH(read_glue(GlueTask::rte, write_file("rte.tsv", "index\tsentence1\tsentence2\tlabel\n0\ta\tb\tentailment\n1\ta\tb\n")),
                    Catch::Matchers::ContainsSubstring("rte.tsv:3") && Catch::Matchers::ContainsSubstring("expected 4 tab-separated fields, found 3"));
  CHECK_THROWS_WITH(read_glue(GlueTask::rte, write_file("rte2.tsv", "index\tsentence1\tsentence2\tlabel\n0\ta\tb\tmaybe\n")),
                    Catch::Matchers::ContainsSubstring("rte2.tsv:2") && Catch::Matchers::ContainsSubstring("maybe"));
  CHECK_THROWS_WITH(read_glue(GlueTask::stsb, write_file("stsb2.tsv", "sentence1\tsentence2\tscore\na\tb\thigh\n")),
                    Catch::Matchers::ContainsSubstring("stsb2.tsv:2") && Catch::Matchers::ContainsSubstring("numeric"));
  CHECK_THROWS_WITH(read_glue(GlueTask::qqp, write_file("qqp.tsv", "id\tquestion\n")), Catch::Matchers::ContainsSubstring("qqp.tsv:1"));
}

TEST_CASE("generic TSV and JSONL", "[data][tasks]") {
  auto tsv = read_tsv(write_file("g.tsv", "label\ttext\ttext_pair\npos\tgood\tfine\n"));
  CHECK(tsv[0].text_a == "good");
  CHECK(tsv[0].text_b == "fine");
  CHECK(tsv[0].label == "pos");
  auto reg = read_tsv(write_file("r.tsv", "text\tlabel\nok\t-1.5\n"), /*regression=*/true);
  CHECK(reg[0].target == Approx(-1.5f));
  auto jsonl = read_task_file(write_file("g.jsonl", "{\"text\": \"a\", \"text_pair\": \"b\", \"label\": \"x\"}\n\n{\"text\": \"c\", \"label\": 2.5}\n{\"text\": \"d\"}\n"));
  REQUIRE(jsonl.size() == 3);
  CHECK(jsonl[0].label == "x");
  CHECK(jsonl[1].target == Approx(2.5f));
  CHECK_FALSE(jsonl[2].has_label());
  CHECK_THROWS_WITH(read_jsonl(write_file("bad.jsonl", "{\"text\": \"a\"}\n{\"label\": 1}\n")), Catch::Matchers::ContainsSubstring("bad.jsonl:2"));
  CHECK_THROWS_WITH(read_tsv(write_file("bad.tsv", "text\tlabel\na\n")), Catch::Matchers::ContainsSubstring("bad.tsv:2"));
}

TEST_CASE("CoNLL: token/tag columns, sentences, DOCSTART, errors", "[data][tasks]") {
  auto ex = read_conll(write_file("a.conll", "-DOCSTART- -X- O O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\n\nPeter NNP B-NP B-PER\n"));
  REQUIRE(ex.size() == 2);
  CHECK(ex[0].tokens == std::vector<std::string>{"EU", "rejects"});
  CHECK(ex[0].tags == std::vector<std::string>{"B-ORG", "O"});
  CHECK(ex[1].tags == std::vector<std::string>{"B-PER"});
  CHECK_THROWS_WITH(read_conll(write_file("b.conll", "a\tX\nb\n")), Catch::Matchers::ContainsSubstring("b.conll:2"));
  auto fixture = read_task_file(std::string(ROBERTA_FIXTURES) + "/tasks/brown-pos/dev.conll");
  REQUIRE(!fixture.empty());
  for (const auto& e : fixture) REQUIRE(e.tokens.size() == e.tags.size());
}
