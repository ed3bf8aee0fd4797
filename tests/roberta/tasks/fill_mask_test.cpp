// fill-mask and the pretrained loader on a tiny random masked-LM saved three ways: as our
// checkpoint, inside a run directory (checkpoint-last), and as a Hugging Face directory.
// Truth: invariants of a probability ranking (sorted, K entries, sums to 1 over the whole
// vocabulary), identical answers from the three layouts, and the CLI's JSON shape.
#include <cstdio>
#include <sstream>
#include <sys/wait.h>

#include "roberta/interop/hf_config.h"
#include "roberta/tasks/fill_mask.h"
#include "roberta/tasks/pretrained.h"
#include "roberta/train/checkpoint.h"
#include "synthetic_tasks.h"
#include "util/error.h"

// Last: torch pulls in glog, whose CHECK macro must not replace Catch's.
#include "tests/catch.h"

using namespace roberta;
using namespace roberta::test;

namespace {

// A random tiny masked-LM saved as run/checkpoint-1 (+ checkpoint-last link) and as an HF dir.
fs::path make_model_dirs() {
  static fs::path dir = [] {
    fs::path d = temp_dir("fill_mask");
    Config c = tiny_config("", (d / "run").string());
    torch::manual_seed(3);
    RobertaForMaskedLM model(c.model);
    const auto tok = tokenizer::Tokenizer::load(c.tokenizer.dir);
    {
      CheckpointWriter writer((d / "run/checkpoint-1").string());
      writer.save_weights(*model);
      tok.save(fs::path(writer.path("vocab.json")).parent_path().string());  // the tokenizer travels along
      writer.add_file("vocab.json");
      writer.add_file("merges.txt");
      writer.commit(1, to_yaml(c));
    }
    fs::create_directory_symlink("checkpoint-1", d / "run/checkpoint-last");
    fs::create_directories(d / "hf");
    std::ofstream(d / "hf/config.json") << hf_config_from_model_options(c.model).dump(2);
    save_weights(*model, (d / "hf/model.safetensors").string(), {/*with_tied_decoder=*/true, {{"format", "pt"}}});
    tok.save((d / "hf").string());
    return d;
  }();
  return dir;
}

RobertaForMaskedLM load_mlm(const PretrainedModel& m) {
  RobertaForMaskedLM model(m.config.model);
  m.load_into(*model, {false, true});
  return model;
}

std::string binary() {
  const char* env = std::getenv("ROBERTA_BINARY");
  return env ? env : ROBERTA_BINARY;
}

}  // namespace

TEST_CASE("fill_mask: per mask K fillers, sorted, probabilities of the whole vocabulary", "[tasks][fill_mask]") {
  const fs::path d = make_model_dirs();
  PretrainedModel m = load_pretrained((d / "run").string());
  CHECK(fs::path(m.dir).filename() == "checkpoint-last");
  auto model = load_mlm(m);

  const auto one = fill_mask(model, m.tokenizer, "the cat <mask> the tree", 5);
  REQUIRE(one.size() == 1);
  REQUIRE(one[0].size() == 5);
  double sum = 0;
  for (size_t i = 0; i < 5; ++i) {
    CHECK(one[0][i].score > 0);
    if (i) CHECK(one[0][i - 1].score >= one[0][i].score);
    CHECK(one[0][i].token == m.tokenizer.decode({one[0][i].token_id}));
    sum += one[0][i].score;
  }
  CHECK(sum <= 1.0 + 1e-6);

  const auto all = fill_mask(model, m.tokenizer, "<mask> house <mask>", 100000);
  REQUIRE(all.size() == 2);
  for (const auto& list : all) {
    CHECK(int64_t(list.size()) == m.tokenizer.vocab_size());
    double total = 0;
    for (const auto& f : list) total += f.score;
    CHECK(total == Approx(1.0).margin(1e-4));
  }
  CHECK_THROWS_WITH(fill_mask(model, m.tokenizer, "no mask here", 5), Catch::Matchers::ContainsSubstring("no <mask>"));
}

TEST_CASE("a Hugging Face directory loads in memory and answers as our checkpoint does", "[tasks][fill_mask]") {
  const fs::path d = make_model_dirs();
  PretrainedModel ours = load_pretrained((d / "run/checkpoint-1").string());
  PretrainedModel hf = load_pretrained((d / "hf").string());
  CHECK(hf.huggingface);
  CHECK(hf.config.model.hidden == 32);
  auto a = load_mlm(ours);
  auto b = load_mlm(hf);
  const auto fa = fill_mask(a, ours.tokenizer, "a green <mask>", 3);
  const auto fb = fill_mask(b, hf.tokenizer, "a green <mask>", 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(fa[0][i].token_id == fb[0][i].token_id);
    CHECK(fa[0][i].score == Approx(fb[0][i].score).epsilon(1e-6));
  }
}

TEST_CASE("load_pretrained: clear errors for missing and mismatched directories", "[tasks][fill_mask]") {
  const fs::path d = make_model_dirs();
  CHECK_THROWS_WITH(load_pretrained((d / "absent").string()), Catch::Matchers::ContainsSubstring("not a directory"));
  fs::create_directories(d / "empty");
  CHECK_THROWS_WITH(load_pretrained((d / "empty").string()), Catch::Matchers::ContainsSubstring("checkpoint.json"));
  // The roberta-base tokenizer (~50K tokens) next to a 400-row model: mismatched files.
  fs::create_directories(d / "mismatch");
  for (const char* f : {"config.json", "model.safetensors"}) fs::copy_file(d / "hf" / f, d / "mismatch" / f);
  for (const char* f : {"vocab.json", "merges.txt"}) {
    fs::copy_file(fs::path(ROBERTA_FIXTURES) / "tokenizer/roberta" / f, d / "mismatch" / f);
  }
  CHECK_THROWS_WITH(load_pretrained((d / "mismatch").string()), Catch::Matchers::ContainsSubstring("the tokenizer has") && Catch::Matchers::ContainsSubstring("only 400 rows"));
}

TEST_CASE("roberta fill-mask --json prints per mask a list of {token, token_id, score}", "[tasks][fill_mask][cli]") {
  if (!fs::exists(binary())) {
    ROBERTA_SKIP("the roberta binary is not built");
  }
  const fs::path d = make_model_dirs();
  const std::string cmd = binary() + " fill-mask --model " + (d / "run").string() +
                          " --top-k 4 --json 'the <mask> river' 'x <mask> <mask>' 2>/dev/null";
  FILE* pipe = popen(cmd.c_str(), "r");
  REQUIRE(pipe);
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  REQUIRE(WEXITSTATUS(pclose(pipe)) == 0);
  std::istringstream lines(out);
  std::string line;
  std::vector<nlohmann::json> parsed;
  while (std::getline(lines, line)) parsed.push_back(nlohmann::json::parse(line));
  REQUIRE(parsed.size() == 2);
  CHECK(parsed[0].size() == 1);
  CHECK(parsed[1].size() == 2);
  for (const auto& text : parsed) {
    for (const auto& mask : text) {
      REQUIRE(mask.size() == 4);
      for (const auto& f : mask) {
        CHECK(f["token"].is_string());
        CHECK(f["token_id"].is_number_integer());
        CHECK(f["score"].is_number());
      }
      CHECK(mask[0]["score"].get<double>() >= mask[3]["score"].get<double>());
    }
  }
}
