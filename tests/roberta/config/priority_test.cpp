// Priority of the config sources: built-in defaults < preset < files (in order) < --set.
// Expected values are the ones written in the fixtures, the presets and docs/roberta.md.
#include "tests/catch.h"

#include "roberta/config/config.h"
#include "tests/roberta/config/test_util.h"

using namespace roberta;
using roberta::test::TempYaml;

namespace {
const std::string kFixtures = ROBERTA_FIXTURES "/config/";
}

TEST_CASE("defaults are RoBERTa-base's pretraining recipe", "[config]") {
  Config c = config_from_yaml_string("", "empty");
  CHECK(c.model.layers == 12);
  CHECK(c.model.hidden == 768);
  CHECK(c.model.heads == 12);
  CHECK(c.model.ffn == 3072);
  CHECK(c.model.vocab_size == 50265);
  CHECK(c.model.max_positions == 512);
  CHECK(c.model.layer_norm_eps == 1e-5);
  CHECK(c.optim.lr == 6e-4);
  CHECK(c.optim.betas[0] == 0.9);
  CHECK(c.optim.betas[1] == 0.98);
  CHECK(c.optim.eps == 1e-6);
  CHECK(c.optim.weight_decay == 0.01);
  CHECK(c.optim.clip_norm == 0.0);
  CHECK(c.schedule.warmup_steps == 24000);
  CHECK(c.masking.mask_prob == 0.15);
  CHECK(c.masking.mask_prob_mask == 0.8);
  CHECK(c.masking.mask_prob_random == 0.1);
  CHECK(c.masking.dynamic);
  CHECK(c.batch.sequences == 8192);
  CHECK(c.train.max_steps == 500000);
  CHECK(c.finetune.weight_decay == 0.1);
  CHECK(c.finetune.warmup_ratio == 0.06);
  // derived: total steps follow max_steps, finetune.micro follows finetune.batch
  CHECK(c.schedule.total_steps == 500000);
  CHECK(c.finetune.micro == c.finetune.batch);
}

TEST_CASE("preset < file < later file < --set", "[config]") {
  roberta::test::use_source_presets();
  SECTION("preset under the file") {
    Config c = load_config({kFixtures + "experiment.yaml"}, {});
    CHECK(c.preset == "tiny");
    CHECK(c.model.layers == 2);       // file over preset (tiny: 4)
    CHECK(c.model.hidden == 256);     // preset over default (768)
    CHECK(c.model.heads == 4);
    CHECK(c.model.ffn == 1024);
    CHECK(c.model.vocab_size == 1000);
    CHECK(c.data.seq_len == 64);
    CHECK(c.optim.lr == 1e-3);        // dotted key at top level
    CHECK(c.optim.betas[1] == 0.98);  // default
    CHECK(c.train.max_steps == 200);
    CHECK(c.schedule.total_steps == 200);
  }
  SECTION("later files win") {
    Config c = load_config({kFixtures + "experiment.yaml", kFixtures + "second.yaml"}, {});
    CHECK(c.model.layers == 3);
    CHECK(c.model.hidden == 256);
    CHECK(c.optim.betas[1] == 0.999);
    CHECK(c.optim.lr == 1e-3);
  }
  SECTION("--set wins, values are YAML-typed, applied in order") {
    Config c = load_config({kFixtures + "experiment.yaml", kFixtures + "second.yaml"},
                           {"model.layers=5", "optim.betas=[0.8,0.95]", "model.layers=6",
                            "data.format=doc_sentences", "train.out_dir=runs/x y",
                            "masking.dynamic=false", "schedule.total_steps=150"});
    CHECK(c.model.layers == 6);
    CHECK(c.optim.betas[0] == 0.8);
    CHECK(c.optim.betas[1] == 0.95);
    CHECK(c.data.format == data::InputFormat::doc_sentences);
    CHECK(c.train.out_dir == "runs/x y");
    CHECK_FALSE(c.masking.dynamic);
    CHECK(c.schedule.total_steps == 150);
  }
  SECTION("--set a whole section as a YAML map") {
    Config c = load_config({kFixtures + "experiment.yaml"}, {"model={layers: 7, heads: 8}"});
    CHECK(c.model.layers == 7);
    CHECK(c.model.heads == 8);
    CHECK(c.model.hidden == 256);
  }
  SECTION("--set preset replaces the files' preset, still under the files") {
    Config c = load_config({kFixtures + "experiment.yaml"}, {"preset=roberta-large"});
    CHECK(c.preset == "roberta-large");
    CHECK(c.model.layers == 2);     // the file
    CHECK(c.model.hidden == 1024);  // roberta-large
    CHECK(c.model.heads == 16);
  }
  SECTION("top-level `init` is finetune.init") {
    Config c = load_config({kFixtures + "experiment.yaml"}, {"init=runs/demo/checkpoint-last"});
    CHECK(c.finetune.init == "runs/demo/checkpoint-last");
  }
}

TEST_CASE("presets are found from the config file's directory upward", "[config]") {
  ::unsetenv("ROBERTA_CONFIG_DIR");
  // A private tree: <tmp>/configs/presets/mine.yaml and <tmp>/configs/exp/a.yaml.
  TempYaml preset("model:\n  layers: 9\n  hidden: 90\n  heads: 9\n", "mine.yaml");
  auto root = preset.dir();
  std::filesystem::create_directories(root / "configs" / "presets");
  std::filesystem::create_directories(root / "configs" / "exp");
  std::filesystem::copy_file(preset.path(), root / "configs" / "presets" / "mine.yaml");
  std::ofstream(root / "configs" / "exp" / "a.yaml") << "preset: mine\nmodel:\n  ffn: 99\n";
  Config c = load_config({(root / "configs" / "exp" / "a.yaml").string()}, {});
  CHECK(c.model.layers == 9);
  CHECK(c.model.ffn == 99);

  SECTION("or through ROBERTA_CONFIG_DIR") {
    TempYaml elsewhere("preset: mine\n");
    ::setenv("ROBERTA_CONFIG_DIR", (root / "configs").string().c_str(), 1);
    CHECK(load_config({elsewhere.path()}, {}).model.hidden == 90);
    ::unsetenv("ROBERTA_CONFIG_DIR");
  }
  SECTION("or as a path relative to the file") {
    std::ofstream(root / "configs" / "exp" / "b.yaml") << "preset: ../presets/mine.yaml\n";
    CHECK(load_config({(root / "configs" / "exp" / "b.yaml").string()}, {}).model.heads == 9);
  }
}

TEST_CASE("loader options come from data.*, batch.micro and train.seed", "[config]") {
  Config c = config_from_yaml_string(
      "data: {workers: 3, prefetch: 5, shuffle: false}\nbatch: {sequences: 28, micro: 7}\n"
      "train: {seed: 42}\n",
      "inline");
  data::LoaderOptions o = loader_options(c);
  CHECK(o.workers == 3);
  CHECK(o.prefetch == 5);
  CHECK_FALSE(o.shuffle);
  CHECK(o.micro_batch == 7);
  CHECK(o.seed == 42);
}

TEST_CASE("dist.find_unused_parameters is a key, off by default", "[config]") {
  // docs/distributed.md described it before the config knew it ("unknown key").
  CHECK_FALSE(roberta::load_config({}, {}).dist.find_unused_parameters);
  CHECK(roberta::load_config({}, {"dist.find_unused_parameters=true"}).dist.find_unused_parameters);
  CHECK_THROWS_WITH(roberta::load_config({}, {"dist.find_unused_parameters=sometimes"}),
                    Catch::Matchers::ContainsSubstring("dist.find_unused_parameters"));
}
