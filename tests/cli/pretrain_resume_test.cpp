// Exact resume through the CLI: N steps straight and N/2 + `--resume` + N/2 give a
// bit-identical model.safetensors on CPU. The second half only matches if the checkpoint
// restored the weights, the AdamW moments, the schedule step, the RNG and the loader position
// (a loader restarted at batch 0 would replay the first half's samples).
#include "pretrain_fixture.h"

using namespace pretrain_test;

TEST_CASE("pretrain: N steps straight equal N/2 + --resume + N/2, bit for bit", "[cli][pretrain]") {
  const fs::path dir = scratch("resume");
  const std::string cfg = write_config(dir, (dir / "unused").string());
  std::string out;
  const std::string straight = (dir / "straight").string(), halves = (dir / "halves").string();
  const std::string pretrain = binary() + " --threads 1 pretrain " + cfg;

  REQUIRE(run(pretrain + " --set train.max_steps=6 --set train.out_dir=" + straight, out) == 0);
  INFO(out);
  REQUIRE(run(pretrain + " --set train.max_steps=3 --set train.out_dir=" + halves, out) == 0);
  REQUIRE(fs::exists(fs::path(halves) / "checkpoint-3" / "model.safetensors"));
  REQUIRE(run(pretrain + " --resume --set train.max_steps=6 --set train.out_dir=" + halves, out) == 0);
  CHECK(out.find("resumed at step 3") != std::string::npos);

  const std::string a = read_bytes(fs::path(straight) / "checkpoint-6" / "model.safetensors");
  const std::string b = read_bytes(fs::path(halves) / "checkpoint-6" / "model.safetensors");
  REQUIRE(!a.empty());
  CHECK(a == b);

  // The last three steps moved the weights, or the equality above would prove nothing.
  const std::string three = read_bytes(fs::path(halves) / "checkpoint-3" / "model.safetensors");
  CHECK(three != b);
}

TEST_CASE("pretrain --resume without a checkpoint is an error naming train.out_dir", "[cli][pretrain]") {
  const fs::path dir = scratch("resume_none");
  const std::string cfg = write_config(dir, (dir / "empty").string());
  std::string out;
  CHECK(run(binary() + " --threads 1 pretrain " + cfg + " --resume --set train.max_steps=2", out) != 0);
  CHECK(out.find("train.out_dir") != std::string::npos);
}
