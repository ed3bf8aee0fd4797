// Fine-tuning through the shared trainer: 2 Gloo ranks x 1 micro-batch give the same update as
// 1 rank x 2 micro-batches (dropout off: the only difference is the order of float sums), and
// an interrupted fine-tuning resumes exactly (dropout on: the masks follow the step).
#include "pretrain_fixture.h"

#include <cmath>

using namespace pretrain_test;

namespace {

// A 2-label task of `rows` training and 4 dev rows, and a config fine-tuning a 1-layer model
// on it from scratch with the RoBERTa fixture tokenizer: one epoch is rows / 4 updates of 4 rows.
std::string write_task(const fs::path& dir, int rows = 8) {
  fs::create_directories(dir / "t");
  std::ofstream(dir / "t" / "task.json") << R"({"name": "toy", "type": "classification", "labels": ["no", "yes"],)"
                                         << R"( "files": {"train": "train.jsonl", "dev": "dev.jsonl"}})" << "\n";
  const char* words[] = {"apple", "river", "stone", "cloud", "green", "night", "bread", "music"};
  std::ofstream train(dir / "t" / "train.jsonl"), dev(dir / "t" / "dev.jsonl");
  for (int i = 0; i < rows; ++i) {
    train << "{\"text\": \"the " << words[i % 8] << (i % 3 ? " is here" : " and the sea") << "\", \"label\": \""
          << (i % 2 ? "yes" : "no") << "\"}\n";
  }
  for (int i = 0; i < 4; ++i) dev << "{\"text\": \"a " << words[7 - i] << "\", \"label\": \"" << (i % 2 ? "no" : "yes") << "\"}\n";
  const fs::path cfg = dir / "ft.yaml";
  std::ofstream(cfg) << "model: {layers: 1, hidden: 32, heads: 2, ffn: 64, vocab_size: 50265, dropout: 0.0, "
                        "attention_dropout: 0.0}\n"
                        "tokenizer: {dir: " << ROBERTA_FIXTURES << "/tokenizer/roberta}\n"
                        "finetune: {task: toy, data_dir: " << (dir / "t").string()
                     << ", epochs: 2, seq_len: 16, batch: 4, micro: 2, head_dropout: 0.0, lr: 1.0e-3}\n"
                        "train: {device: cpu, log_every: 1, seed: 5}\n";
  return cfg.string();
}

// The largest difference between the two files' weights, relative to the largest weight.
double max_relative_difference(const fs::path& a, const fs::path& b) {
  const auto x = read_safetensors(a), y = read_safetensors(b);
  REQUIRE(x.size() == y.size());
  double worst = 0, scale = 1e-12;
  for (const auto& [name, values] : x) {
    const auto& other = y.at(name);
    REQUIRE(values.size() == other.size());
    for (size_t i = 0; i < values.size(); ++i) {
      worst = std::max(worst, std::abs(double(values[i]) - other[i]));
      scale = std::max(scale, double(std::abs(values[i])));
    }
  }
  return worst / scale;
}

}  // namespace

TEST_CASE("finetune: 2 Gloo ranks x 1 micro-batch equal 1 rank x 2 micro-batches", "[cli][finetune][dist]") {
  const fs::path dir = scratch("finetune_dp");
  const std::string cfg = write_task(dir);
  std::string out;
  const fs::path one = dir / "one", two = dir / "two";
  REQUIRE(run(binary() + " --threads 1 finetune " + cfg + " --set train.out_dir=" + one.string(), out) == 0);
  INFO(out);
  CHECK_THAT(out, Catch::Matchers::ContainsSubstring("1 x micro 2 x accum 2"));
  REQUIRE(run(binary() + " launch --nproc 2 --threads-per-rank 1 -- finetune " + cfg +
                  " --set train.out_dir=" + two.string(), out) == 0);
  INFO(out);
  CHECK_THAT(out, Catch::Matchers::ContainsSubstring("2 x micro 2 x accum 1"));
  // 4 updates; the weights moved, and both runs moved them alike.
  const fs::path a = one / "checkpoint-4" / "model.safetensors", b = two / "checkpoint-4" / "model.safetensors";
  REQUIRE(fs::exists(a));
  REQUIRE(fs::exists(b));
  CHECK(max_relative_difference(a, b) < 1e-5);
  // The last two updates moved the weights, or the equality would prove nothing.
  CHECK(max_relative_difference(a, one / "best" / "model.safetensors") > 1e-4);
}

TEST_CASE("finetune: SIGTERM in the first epoch checkpoints, and running it again resumes exactly (dropout on)",
          "[cli][finetune]") {
  const fs::path dir = scratch("finetune_resume");
  const std::string cfg = write_task(dir, 40);
  // 4 epochs of 10 updates: the signal lands in the first epoch, before any dev score exists.
  const std::string ft = binary() + " --threads 1 finetune " + cfg +
                         " --set model.dropout=0.1 --set model.attention_dropout=0.1 --set finetune.head_dropout=0.1"
                         " --set finetune.epochs=4";
  std::string out;
  const fs::path straight = dir / "straight", halves = dir / "halves";
  REQUIRE(run(ft + " --set train.out_dir=" + straight.string(), out) == 0);
  const fs::path log = dir / "interrupted.log";
  REQUIRE(run("(" + ft + " --set train.out_dir=" + halves.string() + " > " + log.string() + " 2>&1 & pid=$!; "
              "n=0; until grep -q 'step 3/' " + log.string() + " || [ $n -ge 600 ]; do sleep 0.05; n=$((n+1)); done; "
              "kill -TERM $pid; wait $pid)", out) == 0);
  const std::string interrupted = read_bytes(log);
  INFO(interrupted);
  REQUIRE_THAT(interrupted, Catch::Matchers::ContainsSubstring("stopped by signal at step"));
  REQUIRE(run(ft + " --set train.out_dir=" + halves.string(), out) == 0);
  INFO(out);
  CHECK_THAT(out, Catch::Matchers::ContainsSubstring("resumed at step"));
  CHECK(read_bytes(straight / "checkpoint-40" / "model.safetensors") ==
        read_bytes(halves / "checkpoint-40" / "model.safetensors"));
  // The per-epoch train losses are the same too (the resumed epoch counts its earlier updates).
  const std::string a = read_bytes(straight / "metrics.jsonl"), b = read_bytes(halves / "metrics.jsonl");
  CHECK(a.find("\"split\":\"dev\",\"step\":10,") != std::string::npos);
  // A run that is finished does nothing more when started again.
  REQUIRE(run(ft + " --set train.out_dir=" + halves.string(), out) == 0);
  CHECK_THAT(out, Catch::Matchers::ContainsSubstring("resumed at step 40"));
}

TEST_CASE("finetune into a pretraining run's directory is refused, not resumed", "[cli][finetune]") {
  const fs::path dir = scratch("finetune_wrong_dir");
  const std::string cfg = write_task(dir);
  std::string out;
  const fs::path pretrained = dir / "pretrained";
  REQUIRE(run(binary() + " --threads 1 pretrain " + write_config(dir, pretrained.string()) + " --set train.max_steps=2",
              out) == 0);
  CHECK(run(binary() + " --threads 1 finetune " + cfg + " --set train.out_dir=" + pretrained.string(), out) == 1);
  CHECK_THAT(out, Catch::Matchers::ContainsSubstring("not a checkpoint this finetune run can continue") &&
                      Catch::Matchers::ContainsSubstring("it is a pretrain checkpoint"));
}
