// The shipped presets and experiment configs resolve, with the values docs/roberta.md and the
// issue state (hand-copied here, not produced by the code).
#include "tests/catch.h"

#include "roberta/config/config.h"
#include "tests/roberta/config/test_util.h"

using namespace roberta;

namespace {
const std::string kConfigs = ROBERTA_SOURCE_DIR "/configs/";

Config preset(const std::string& name) {
  roberta::test::TempYaml file("preset: " + name + "\n");
  return load_config({file.path()}, {});
}
}  // namespace

TEST_CASE("presets: tiny, roberta-base, roberta-large", "[config]") {
  roberta::test::use_source_presets();
  Config tiny = preset("tiny");
  CHECK(tiny.model.layers == 4);
  CHECK(tiny.model.hidden == 256);
  CHECK(tiny.model.heads == 4);
  CHECK(tiny.model.ffn == 1024);

  Config base = preset("roberta-base");
  CHECK(base.model.layers == 12);
  CHECK(base.model.hidden == 768);
  CHECK(base.model.heads == 12);
  CHECK(base.model.ffn == 3072);
  CHECK(base.model.vocab_size == 50265);
  CHECK(base.model.max_positions == 512);
  CHECK(base.model.type_vocab_size == 1);
  CHECK(base.model.layer_norm_eps == 1e-5);
  CHECK(base.model.dropout == 0.1);

  Config large = preset("roberta-large");
  CHECK(large.model.layers == 24);
  CHECK(large.model.hidden == 1024);
  CHECK(large.model.heads == 16);
  CHECK(large.model.ffn == 4096);
  CHECK(large.model.vocab_size == 50265);
}

TEST_CASE("configs/pretrain: the paper's recipe and the demo", "[config]") {
  ::unsetenv("ROBERTA_CONFIG_DIR");  // found upward from configs/pretrain/
  Config base = load_config({kConfigs + "pretrain/roberta-base-8k.yaml"});
  CHECK(base.model.hidden == 768);
  CHECK(base.batch.sequences == 8192);
  CHECK(base.data.seq_len == 512);
  CHECK(base.train.max_steps == 500000);
  CHECK(base.schedule.warmup_steps == 24000);
  CHECK(base.schedule.total_steps == 500000);
  CHECK(base.schedule.end_lr == 0.0);
  CHECK(base.schedule.power == 1.0);
  CHECK(base.optim.lr == 6e-4);
  CHECK(base.optim.betas == std::array<double, 2>{0.9, 0.98});
  CHECK(base.optim.eps == 1e-6);
  CHECK(base.optim.weight_decay == 0.01);
  CHECK(base.optim.clip_norm == 0.0);
  CHECK(base.masking.dynamic);

  Config large = load_config({kConfigs + "pretrain/roberta-large-8k.yaml"});
  CHECK(large.model.hidden == 1024);
  CHECK(large.batch.sequences == 8192);
  CHECK(large.optim.lr == 4e-4);
  CHECK(large.schedule.warmup_steps == 30000);
  CHECK(large.train.max_steps == 500000);

  Config demo = load_config({kConfigs + "pretrain/demo.yaml"});
  CHECK(demo.preset == "tiny");
  CHECK(demo.model.layers == 2);  // the demo cuts the preset to two layers
  CHECK(demo.data.train == "corpus/demo/train.txt");
  CHECK(demo.data.valid == "corpus/demo/valid.txt");
  CHECK(demo.train.out_dir == "runs/demo");
  CHECK(demo.data.seq_len == 64);
  CHECK(demo.batch.sequences % demo.batch.micro == 0);
  // warmup between 5% and 10% of the run
  CHECK(demo.schedule.warmup_steps * 20 >= demo.train.max_steps);
  CHECK(demo.schedule.warmup_steps * 10 <= demo.train.max_steps);
}

TEST_CASE("every shipped config under configs/ resolves", "[config]") {
  ::unsetenv("ROBERTA_CONFIG_DIR");
  int count = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(kConfigs)) {
    if (entry.path().extension() != ".yaml") continue;
    INFO(entry.path().string());
    CHECK_NOTHROW(load_config({entry.path().string()}));
    ++count;
  }
  CHECK(count >= 6);  // 3 presets + 3 pretrain configs at least
}
