// A diverging run: with an absurd learning rate the loss turns non-finite; each such update is
// skipped and counted, and after train.max_nonfinite_in_a_row in a row the run stops with a
// message that says what happened and what to do, exit status 1 (not a crash).
#include "tests/catch.h"

#include "tests/reliability/harness.h"

using namespace roberta::reliability;

TEST_CASE("non-finite loss: updates skipped and counted, stop after K in a row with a clear "
          "message", "[reliability][faults]") {
  TempDir dir("nonfinite");
  const fs::path out = dir.path / "run";
  // lr 1e30 with no warmup: the first update makes the weights overflow, every later loss is
  // inf/nan; K = 3.
  std::string config = tiny_config(out, 50, "  save_every: 0\n  max_nonfinite_in_a_row: 3\n");
  config += "optim: {lr: 1.0e+30}\n";
  config.replace(config.find("schedule: {warmup_steps: 2}"), 27, "schedule: {warmup_steps: 0}");
  write_text(dir.path / "exp.yaml", config);
  Result r = run({"--threads", "1", "pretrain", "exp.yaml"}, dir.path);
  INFO(r.output);
  CHECK(r.code == 1);
  CHECK_THAT(r.output, Catch::Matchers::ContainsSubstring("update skipped (1 in a row)"));
  CHECK_THAT(r.output, Catch::Matchers::ContainsSubstring("update skipped (2 in a row)"));
  CHECK_THAT(r.output, Catch::Matchers::ContainsSubstring("non-finite (inf/nan) for 3 updates in a row"));
  CHECK_THAT(r.output, Catch::Matchers::ContainsSubstring("train.max_nonfinite_in_a_row = 3"));
  CHECK_THAT(r.output, !Catch::Matchers::ContainsSubstring("terminate called"));
}
