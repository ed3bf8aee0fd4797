// Every class of user error is a roberta::Error naming the file, the line, the key, what was
// expected and what was found (or, for --set, the override itself).
#include "tests/catch.h"

#include "roberta/config/config.h"
#include "tests/roberta/config/test_util.h"

using namespace roberta;
using Catch::Matchers::ContainsSubstring;
using roberta::test::error_of;
using roberta::test::TempYaml;

namespace {
// The error of loading `text` as a config file, and the file's path.
std::pair<std::string, std::string> load_error(const std::string& text,
                                               const std::vector<std::string>& sets = {}) {
  TempYaml file(text);
  return {error_of([&] { load_config({file.path()}, sets); }), file.path()};
}
}  // namespace

TEST_CASE("unknown key: file, line, key, did-you-mean", "[config]") {
  auto [msg, path] = load_error("model:\n  hidden: 256\n  layres: 4\n");
  CHECK_THAT(msg, ContainsSubstring(path + ":3:"));
  CHECK_THAT(msg, ContainsSubstring("unknown key 'model.layres'"));
  CHECK_THAT(msg, ContainsSubstring("did you mean 'model.layers'?"));

  SECTION("a key in the wrong section") {
    auto [m, p] = load_error("optim:\n  warmup_steps: 10\n");
    CHECK_THAT(m, ContainsSubstring(p + ":2:"));
    CHECK_THAT(m, ContainsSubstring("did you mean 'schedule.warmup_steps'?"));
  }
  SECTION("a misspelt section") {
    auto [m, p] = load_error("\nmodle:\n  layers: 4\n");
    CHECK_THAT(m, ContainsSubstring(p + ":2:"));
    CHECK_THAT(m, ContainsSubstring("unknown key 'modle'"));
    CHECK_THAT(m, ContainsSubstring("did you mean 'model'?"));
  }
  SECTION("no suggestion for nonsense") {
    auto [m, p] = load_error("qqqqqqqqqqqq: 1\n");
    CHECK_THAT(m, ContainsSubstring("unknown key 'qqqqqqqqqqqq'"));
    CHECK_THAT(m, !ContainsSubstring("did you mean"));
  }
  SECTION("in --set") {
    auto [m, p] = load_error("", {"optim.lrr=1"});
    CHECK_THAT(m, ContainsSubstring("--set optim.lrr=1: unknown key 'optim.lrr'"));
    CHECK_THAT(m, ContainsSubstring("did you mean 'optim.lr'?"));
  }
}

TEST_CASE("wrong type: expected and found", "[config]") {
  SECTION("string for an integer") {
    auto [m, p] = load_error("model:\n  layers: four\n");
    CHECK_THAT(m, ContainsSubstring(p + ":2:"));
    CHECK_THAT(m, ContainsSubstring("model.layers: expected integer >= 1, found four"));
  }
  SECTION("fraction for an integer") {
    auto [m, p] = load_error("train:\n  max_steps: 10.5\n");
    CHECK_THAT(m, ContainsSubstring("train.max_steps: expected integer >= 1, found 10.5"));
  }
  SECTION("quoted number for a number") {
    auto [m, p] = load_error("optim:\n  lr: \"1e-3\"\n");
    CHECK_THAT(m, ContainsSubstring("optim.lr: expected number > 0, found the string \"1e-3\""));
  }
  SECTION("list for a scalar") {
    auto [m, p] = load_error("model:\n  dropout: [0.1]\n");
    CHECK_THAT(m, ContainsSubstring("model.dropout: expected number in [0, 1), found a list [0.1]"));
  }
  SECTION("a bool") {
    auto [m, p] = load_error("masking:\n  dynamic: maybe\n");
    CHECK_THAT(m, ContainsSubstring(p + ":2:"));
    CHECK_THAT(m, ContainsSubstring("masking.dynamic: expected true or false, found maybe"));
  }
  SECTION("an enum") {
    auto [m, p] = load_error("data:\n  format: full_sentence\n");
    CHECK_THAT(m, ContainsSubstring("data.format: expected one of full_sentences|doc_sentences|"
                           "segment_pair|sentence_pair, found full_sentence"));
  }
  SECTION("betas need two numbers") {
    auto [m, p] = load_error("optim:\n  betas: [0.9]\n");
    CHECK_THAT(m, ContainsSubstring("optim.betas: expected a list of two numbers"));
  }
  SECTION("a section that is not a map") {
    auto [m, p] = load_error("model: 4\n");
    CHECK_THAT(m, ContainsSubstring(p + ":1:"));
    CHECK_THAT(m, ContainsSubstring("model: expected a map of model.* keys, found 4"));
  }
  SECTION("in --set, naming the override") {
    auto [m, p] = load_error("", {"model.heads=many"});
    CHECK_THAT(m, ContainsSubstring("--set model.heads=many: model.heads: expected integer >= 1, found many"));
  }
  SECTION("--set without '='") {
    auto [m, p] = load_error("", {"model.heads"});
    CHECK_THAT(m, ContainsSubstring("--set model.heads: expected key.path=value"));
  }
}

TEST_CASE("out-of-range single values", "[config]") {
  CHECK_THAT(load_error("model:\n  dropout: 1.5\n").first,
             ContainsSubstring("model.dropout: expected number in [0, 1), found 1.5"));
  CHECK_THAT(load_error("masking:\n  mask_prob: -0.1\n").first,
             ContainsSubstring("masking.mask_prob: expected number in [0, 1], found -0.1"));
  CHECK_THAT(load_error("model:\n  layers: 0\n").first,
             ContainsSubstring("model.layers: expected integer >= 1, found 0"));
  CHECK_THAT(load_error("optim:\n  betas: [0.9, 1.0]\n").first,
             ContainsSubstring("optim.betas: expected a list of two numbers in [0, 1)"));
}

TEST_CASE("out-of-range combinations name where each key was set", "[config]") {
  SECTION("heads must divide hidden") {
    auto [m, p] = load_error("model:\n  hidden: 256\n  heads: 5\n");
    CHECK_THAT(m, ContainsSubstring(p + ":3: model.heads: expected a divisor of model.hidden"));
    CHECK_THAT(m, ContainsSubstring("model.hidden = 256 at " + p + ":2"));
    CHECK_THAT(m, ContainsSubstring("found 5"));
  }
  SECTION("mask_prob_mask + mask_prob_random <= 1") {
    auto [m, p] = load_error("masking:\n  mask_prob_mask: 0.9\n  mask_prob_random: 0.2\n");
    CHECK_THAT(m, ContainsSubstring(p + ":3: masking.mask_prob_random"));
    CHECK_THAT(m, ContainsSubstring("<= 1"));
    CHECK_THAT(m, ContainsSubstring("found 0.2"));
  }
  SECTION("seq_len <= max_positions") {
    auto [m, p] = load_error("data:\n  seq_len: 1024\n");
    CHECK_THAT(m, ContainsSubstring(p + ":2: data.seq_len: expected at most model.max_positions"));
    CHECK_THAT(m, ContainsSubstring("model.max_positions = 512 at default"));
  }
  SECTION("batch.sequences divisible by batch.micro, in --set") {
    auto [m, p] = load_error("batch:\n  sequences: 64\n", {"batch.micro=12"});
    CHECK_THAT(m, ContainsSubstring(p + ":2: batch.sequences: expected a multiple of batch.micro"));
    CHECK_THAT(m, ContainsSubstring("batch.micro = 12 at --set batch.micro=12"));
  }
  SECTION("NSP needs a pair format") {
    auto [m, p] = load_error("objective:\n  nsp_weight: 1.0\nmodel:\n  nsp_head: true\n");
    CHECK_THAT(m, ContainsSubstring(p + ":2: objective.nsp_weight"));
    CHECK_THAT(m, ContainsSubstring("segment_pair or sentence_pair"));
  }
  SECTION("warmup longer than the run") {
    auto [m, p] = load_error("train:\n  max_steps: 100\nschedule:\n  warmup_steps: 200\n");
    CHECK_THAT(m, ContainsSubstring(p + ":4: schedule.warmup_steps: expected at most schedule.total_steps"));
    CHECK_THAT(m, ContainsSubstring("schedule.total_steps = 100 at " + p + ":2 (from train.max_steps)"));
  }
  SECTION("validate() on a struct built in code") {
    Config c;
    CHECK_NOTHROW(validate(c));  // the built-in defaults are consistent, derived zeros included
    c.train.max_steps = 100;     // schedule.total_steps 0 stands for train.max_steps
    CHECK_THAT(error_of([&] { validate(c); }),
               ContainsSubstring("schedule.warmup_steps: expected at most schedule.total_steps"));
    c.train.max_steps = 500000;
    c.model.heads = 7;
    CHECK_THAT(error_of([&] { validate(c); }),
               ContainsSubstring("model.heads: expected a divisor of model.hidden"));
  }
}

TEST_CASE("files: missing, malformed, duplicate keys, unknown preset", "[config]") {
  roberta::test::use_source_presets();
  SECTION("missing file") {
    std::string m = error_of([] { load_config({"no/such/config.yaml"}, {}); });
    CHECK_THAT(m, ContainsSubstring("no/such/config.yaml"));
    CHECK_THAT(m, ContainsSubstring("expected an existing YAML file, found no such file"));
  }
  SECTION("malformed YAML names the line") {
    auto [m, p] = load_error("model:\n  layers: 4\n  hidden: [256\n");
    CHECK_THAT(m, ContainsSubstring(p + ":"));
    CHECK_THAT(m, ContainsSubstring("malformed YAML"));
  }
  SECTION("top level must be a map") {
    auto [m, p] = load_error("- 1\n- 2\n");
    CHECK_THAT(m, ContainsSubstring("expected a map of config sections"));
  }
  SECTION("a key twice") {
    auto [m, p] = load_error("model:\n  layers: 4\n  layers: 5\n");
    CHECK_THAT(m, ContainsSubstring(p + ":3: key 'model.layers' appears twice"));
  }
  SECTION("the same key nested and dotted") {
    auto [m, p] = load_error("model:\n  layers: 4\nmodel.layers: 5\n");
    CHECK(m.empty());  // later entry wins, like a later file
  }
  SECTION("unknown preset lists the known ones") {
    auto [m, p] = load_error("\npreset: tiyn\n");
    CHECK_THAT(m, ContainsSubstring(p + ":2: unknown preset 'tiyn'"));
    CHECK_THAT(m, ContainsSubstring("did you mean 'tiny'?"));
    CHECK_THAT(m, ContainsSubstring("tiny"));
    CHECK_THAT(m, ContainsSubstring("roberta-base"));
  }
  SECTION("unknown preset in --set") {
    auto [m, p] = load_error("", {"preset=huge"});
    CHECK_THAT(m, ContainsSubstring("--set preset=huge: unknown preset 'huge'"));
  }
  SECTION("checkpoint text") {
    std::string m = error_of([] { config_from_yaml_string("model:\n  heads: x\n", "ckpt/config.yaml"); });
    CHECK_THAT(m, ContainsSubstring("ckpt/config.yaml:2: model.heads: expected integer >= 1, found x"));
  }
}
