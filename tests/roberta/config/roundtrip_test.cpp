// to_yaml is complete and exact: reading it back gives the same config, key for key.
#include "tests/catch.h"

#include <cmath>

#include "roberta/config/config.h"
#include "tests/roberta/config/test_util.h"

using namespace roberta;

TEST_CASE("to_yaml round-trips exactly", "[config]") {
  Config c;
  c.name = "quote \" and \\ backslash: # not a comment";
  c.model.layers = 3;
  c.model.hidden = 96;
  c.model.heads = 3;
  c.model.dropout = 1.0 / 3.0;             // needs all 17 digits
  c.optim.lr = 1e-7 * 3;                   // not representable in few digits
  c.optim.betas = {0.9, 0.999};
  c.optim.no_decay = {"1d", "LayerNorm.weight", ""};
  c.tokenizer.inputs = {"a b.txt", "c:d.txt"};
  c.data.format = data::InputFormat::segment_pair;
  c.train.precision = Precision::bf16;
  c.train.seed = 12345678901ull;
  c.masking.dynamic = false;
  c.masking.mask_prob = 0.2;
  c.schedule.kind = ScheduleKind::cosine;
  c.schedule.total_steps = 1234;
  c.schedule.warmup_steps = 100;
  c.finetune.micro = c.finetune.batch;

  std::string text = to_yaml(c);
  Config back = config_from_yaml_string(text, "roundtrip");
  CHECK(back == c);
  CHECK(back.name == c.name);
  CHECK(back.model.dropout == c.model.dropout);  // bit-exact
  CHECK(back.optim.lr == c.optim.lr);
  CHECK(back.optim.no_decay == c.optim.no_decay);
  CHECK(back.tokenizer.inputs == c.tokenizer.inputs);
  CHECK(back.train.seed == 12345678901ull);
  CHECK(to_yaml(back) == text);

  SECTION("== sees a one-ulp change") {
    Config other = back;
    other.model.dropout = std::nextafter(other.model.dropout, 1.0);
    CHECK(other != c);
  }
  SECTION("every key is written") {
    for (const auto& k : config_keys()) {
      auto dot = k.key.find('.');
      std::string leaf = dot == std::string::npos ? k.key : k.key.substr(dot + 1);
      CHECK(text.find("\n" + std::string(dot == std::string::npos ? "" : "  ") + leaf + ": ") !=
            std::string::npos);
    }
  }
}

TEST_CASE("floats are written the way YAML 1.1 readers see floats", "[config]") {
  Config c;
  std::string text = to_yaml(c);
  // PyYAML reads 1e-06 as a string; we write 1.0e-06.
  CHECK(text.find("eps: 1.0e-06") != std::string::npos);
  CHECK(text.find("lr: 0.0006") != std::string::npos);
  CHECK(text.find("power: 1.0") != std::string::npos);
}

TEST_CASE("the printed config of a preset-based file loads back as a file", "[config]") {
  roberta::test::use_source_presets();
  Config demo = load_config({ROBERTA_SOURCE_DIR "/configs/pretrain/demo.yaml"},
                            {"optim.lr=3.3e-4", "batch.micro=8"});
  roberta::test::TempYaml printed(to_yaml(demo));
  Config back = load_config({printed.path()});
  CHECK(back == demo);
  CHECK(back.preset == "tiny");
  CHECK(back.optim.lr == 3.3e-4);
  CHECK(back.batch.micro == 8);
}

TEST_CASE("config_values lists exactly the keys that differ", "[config]") {
  Config a = config_from_yaml_string("", "a");
  Config b = config_from_yaml_string("masking: {dynamic: false}\ndata: {format: doc_sentences}\n", "b");
  auto va = config_values(a), vb = config_values(b);
  REQUIRE(va.size() == vb.size());
  std::vector<std::string> differ;
  for (size_t i = 0; i < va.size(); ++i) {
    REQUIRE(va[i].first == vb[i].first);
    if (va[i].second != vb[i].second) differ.push_back(va[i].first);
  }
  CHECK(differ == std::vector<std::string>{"data.format", "masking.dynamic"});
  CHECK(va.size() == config_keys().size());
}
