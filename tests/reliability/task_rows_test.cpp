// Malformed fine-tuning rows through `roberta finetune` and `roberta predict`: every case must
// end with an error (exit 1..127, an "error:" line, no crash) that names the file and the line
// of the bad row, for each reader: JSONL, the generic TSV, CoNLL and the GLUE TSV layout.
#include "tests/catch.h"

#include "tests/reliability/harness.h"

using namespace roberta::reliability;

namespace {

// A task directory `t/` of the given type whose train file is `train_text` (the dev file is a
// copy of a good line), and a config fine-tuning a 1-layer model on it from scratch.
void write_task(const fs::path& root, const std::string& type, const std::string& ext,
                const std::string& train_text, const std::string& good_line) {
  const fs::path t = root / "t";
  fs::create_directories(t);
  write_text(t / "task.json", "{\"name\": \"bad\", \"type\": \"" + type + "\", \"files\": {\"train\": \"train." +
                                  ext + "\", \"dev\": \"dev." + ext + "\"}}\n");
  write_text(t / "labels.txt", type == "tagging" ? "O\nA\n" : "no\nyes\n");
  write_text(t / ("train." + ext), train_text);
  write_text(t / ("dev." + ext), good_line);
  write_text(root / "ft.yaml", "model: {layers: 1, hidden: 32, heads: 2, ffn: 64, vocab_size: 50265}\n"
                               "tokenizer: {dir: " + std::string(ROBERTA_FIXTURES) + "/tokenizer/roberta}\n"
                               "finetune: {task: bad, data_dir: t, epochs: 1, seq_len: 32}\n"
                               "train: {out_dir: out, device: cpu}\n");
}

// Runs finetune on the task and checks the error names `where` (file:line) and `what`.
void expect_row_error(const std::string& type, const std::string& ext, const std::string& train_text,
                      const std::string& good_line, const std::string& where, const std::string& what) {
  TempDir dir("rows");
  write_task(dir.path, type, ext, train_text, good_line);
  const Result r = run({"--threads", "1", "finetune", "ft.yaml"}, dir.path);
  INFO(r.output);
  CHECK(r.code > 0);
  CHECK(r.code < 128);
  CHECK_THAT(r.output, Catch::Matchers::ContainsSubstring("error:") && Catch::Matchers::ContainsSubstring(where) && Catch::Matchers::ContainsSubstring(what));
  CHECK_THAT(r.output, !Catch::Matchers::ContainsSubstring("terminate called") && !Catch::Matchers::ContainsSubstring("Segmentation"));
  CHECK(!fs::exists(dir.path / "out" / "best"));  // nothing trained, nothing saved as a result
}

const std::string kGood = "{\"text\": \"a fine line\", \"label\": \"yes\"}\n";

}  // namespace

TEST_CASE("malformed JSONL task rows name the file and line", "[reliability][bad-input]") {
  SECTION("invalid JSON") {
    expect_row_error("classification", "jsonl", kGood + kGood + "{\"text\": \"cut off\n", kGood,
                     "t/train.jsonl:3", "invalid JSON");
  }
  SECTION("no text field") {
    expect_row_error("classification", "jsonl", kGood + "{\"label\": \"no\"}\n", kGood, "t/train.jsonl:2",
                     "\"text\"");
  }
  SECTION("a label of the wrong type") {
    expect_row_error("classification", "jsonl", kGood + "{\"text\": \"x\", \"label\": [1]}\n", kGood,
                     "t/train.jsonl:2", "\"label\"");
  }
  SECTION("a training row without a label") {
    // It used to fine-tune on "2 train examples" and score dev accuracy 1.0.
    expect_row_error("classification", "jsonl", kGood + "{\"text\": \"no label here\"}\n", kGood,
                     "t/train.jsonl:2", "without a label");
  }
  SECTION("a dev row without a label") {
    TempDir dir("rows");
    write_task(dir.path, "classification", "jsonl", kGood + kGood, kGood + "{\"text\": \"unlabeled dev row\"}\n");
    const Result r = run({"--threads", "1", "finetune", "ft.yaml"}, dir.path);
    INFO(r.output);
    CHECK(r.code == 1);
    CHECK_THAT(r.output, Catch::Matchers::ContainsSubstring("t/dev.jsonl:2") &&
                             Catch::Matchers::ContainsSubstring("without a label"));
  }
  SECTION("a label the task does not have (blank lines counted)") {
    expect_row_error("classification", "jsonl", kGood + "\n" + kGood + "{\"text\": \"x\", \"label\": \"maybe\"}\n",
                     kGood, "t/train.jsonl:4", "unknown label 'maybe'");
  }
  SECTION("a non-numeric regression target") {
    expect_row_error("regression", "jsonl", "{\"text\": \"x\", \"label\": 0.5}\n{\"text\": \"y\", \"label\": \"high\"}\n",
                     "{\"text\": \"x\", \"label\": 0.5}\n", "t/train.jsonl:2", "regression target");
  }
}

TEST_CASE("malformed TSV and CoNLL task rows name the file and line", "[reliability][bad-input]") {
  SECTION("TSV: a row with too few fields") {
    expect_row_error("classification", "tsv", "text\tlabel\na line\tyes\nno tab here\n", "text\tlabel\nok\tyes\n",
                     "t/train.tsv:3", "expected 2 tab-separated fields, found 1");
  }
  SECTION("TSV: no text column in the header") {
    expect_row_error("classification", "tsv", "sentence\tlabel\na\tyes\n", "text\tlabel\nok\tyes\n",
                     "t/train.tsv:1", "\"text\" column");
  }
  SECTION("CoNLL: a tagged file with an untagged word") {
    expect_row_error("tagging", "conll", "the\tO\ncat\tA\n\nsat\n", "the\tO\n", "t/train.conll:4",
                     "a token and a tag");
  }
  SECTION("CoNLL: an unknown tag") {
    expect_row_error("tagging", "conll", "the\tO\n\na\tO\ndog\tZ\n", "the\tO\n", "t/train.conll:3",
                     "unknown label 'Z'");
  }
}

TEST_CASE("malformed GLUE rows name the file and line", "[reliability][bad-input]") {
  TempDir dir("glue_rows");
  const fs::path g = dir.path / "SST-2";
  fs::create_directories(g);
  write_text(g / "train.tsv", "sentence\tlabel\ngood film\t1\nbad film\t0\nodd film\t7\n");
  write_text(g / "dev.tsv", "sentence\tlabel\nfine\t1\n");
  write_text(dir.path / "ft.yaml", "model: {layers: 1, hidden: 32, heads: 2, ffn: 64, vocab_size: 50265}\n"
                                   "tokenizer: {dir: " + std::string(ROBERTA_FIXTURES) + "/tokenizer/roberta}\n"
                                   "finetune: {task: sst2, data_dir: SST-2, epochs: 1}\n"
                                   "train: {out_dir: out, device: cpu}\n");
  const Result r = run({"--threads", "1", "finetune", "ft.yaml"}, dir.path);
  INFO(r.output);
  CHECK(r.code > 0);
  CHECK(r.code < 128);
  CHECK_THAT(r.output, Catch::Matchers::ContainsSubstring("SST-2/train.tsv:4") && Catch::Matchers::ContainsSubstring("\"7\""));
}

TEST_CASE("`roberta predict` names the bad row of its input file", "[reliability][bad-input]") {
  // A model to predict with: one fine-tuning epoch on a good two-line task.
  TempDir dir("predict_rows");
  write_task(dir.path, "classification", "jsonl", kGood + "{\"text\": \"another\", \"label\": \"no\"}\n", kGood);
  Result r = run({"--threads", "1", "finetune", "ft.yaml"}, dir.path);
  INFO(r.output);
  REQUIRE(r.code == 0);
  write_text(dir.path / "in.jsonl", "{\"text\": \"ok\"}\n{\"text\": \"ok\"}\nnot json\n");
  r = run({"--threads", "1", "predict", "--model", "out/best", "--input", "in.jsonl", "--output", "pred.jsonl"},
          dir.path);
  INFO(r.output);
  CHECK(r.code > 0);
  CHECK(r.code < 128);
  CHECK_THAT(r.output, Catch::Matchers::ContainsSubstring("in.jsonl:3") && Catch::Matchers::ContainsSubstring("invalid JSON"));
  CHECK(!fs::exists(dir.path / "pred.jsonl"));
}
