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

TEST_CASE("pretrain: resume is exact with dropout on (the dropout seed follows the step)", "[cli][pretrain]") {
  const fs::path dir = scratch("resume_dropout");
  const std::string cfg = write_config(dir, (dir / "unused").string());
  std::string out;
  const std::string straight = (dir / "straight").string(), halves = (dir / "halves").string();
  const std::string pretrain = binary() + " --threads 1 pretrain " + cfg +
                               " --set model.dropout=0.1 --set model.attention_dropout=0.1";
  REQUIRE(run(pretrain + " --set train.max_steps=6 --set train.out_dir=" + straight, out) == 0);
  REQUIRE(run(pretrain + " --set train.max_steps=3 --set train.out_dir=" + halves, out) == 0);
  REQUIRE(run(pretrain + " --resume --set train.max_steps=6 --set train.out_dir=" + halves, out) == 0);
  INFO(out);
  CHECK(read_bytes(fs::path(straight) / "checkpoint-6" / "model.safetensors") ==
        read_bytes(fs::path(halves) / "checkpoint-6" / "model.safetensors"));
  // Dropout is really on: the same run without it ends elsewhere.
  const std::string plain = (dir / "plain").string();
  REQUIRE(run(binary() + " --threads 1 pretrain " + cfg + " --set train.max_steps=6 --set train.out_dir=" + plain, out) == 0);
  CHECK(read_bytes(fs::path(plain) / "checkpoint-6" / "model.safetensors") !=
        read_bytes(fs::path(straight) / "checkpoint-6" / "model.safetensors"));
}

TEST_CASE("pretrain --resume: ranks that see different checkpoints all stop, naming the rank", "[cli][pretrain][dist]") {
  // Rank 0 and rank 1 get different train.out_dir: rank 1's copy lacks the newest checkpoint,
  // as a node-local or half-synced directory would. Resuming from different steps would train
  // different models or hang in mismatched collectives.
  const fs::path dir = scratch("resume_disagree");
  const std::string cfg = write_config(dir, (dir / "unused").string());
  const fs::path a = dir / "a", b = dir / "b";
  std::string out;
  REQUIRE(run(binary() + " --threads 1 pretrain " + cfg + " --set train.max_steps=4 --set train.save_every=2 "
              "--set train.out_dir=" + a.string(), out) == 0);
  fs::copy(a, b, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  fs::remove_all(b / "checkpoint-4");
  fs::remove(b / "checkpoint-last");
  REQUIRE(fs::exists(b / "checkpoint-2" / "checkpoint.json"));

  const int port = 23000 + ::getpid() % 9000;
  auto rank_command = [&](int rank, const fs::path& out_dir) {
    return "RANK=" + std::to_string(rank) + " WORLD_SIZE=2 LOCAL_RANK=" + std::to_string(rank) +
           " MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port) + " timeout 120 " + binary() +
           " --threads 1 pretrain " + cfg + " --resume --set train.max_steps=6 --set dist.timeout_s=60 "
           "--set train.out_dir=" + out_dir.string() + " > " + (dir / ("r" + std::to_string(rank) + ".log")).string() +
           " 2>&1; echo $? > " + (dir / ("r" + std::to_string(rank) + ".rc")).string();
  };
  run("(" + rank_command(1, b) + ") & " + rank_command(0, a) + "; wait", out);
  const std::string log0 = read_bytes(dir / "r0.log"), log1 = read_bytes(dir / "r1.log");
  INFO("rank 0:\n" << log0 << "\nrank 1:\n" << log1);
  const int rc0 = std::stoi(read_bytes(dir / "r0.rc")), rc1 = std::stoi(read_bytes(dir / "r1.rc"));
  CHECK(rc0 != 0);
  CHECK(rc1 != 0);
  CHECK(rc0 != 124);  // stopped by the check, not by the timeout
  CHECK(rc1 != 124);
  CHECK_THAT(log0, Catch::Matchers::ContainsSubstring("checkpoint-4") &&
                       Catch::Matchers::ContainsSubstring("rank(s) 1 of 2 see a different, missing or unreadable copy"));
  CHECK_THAT(log1, Catch::Matchers::ContainsSubstring("this is rank 1") &&
                       Catch::Matchers::ContainsSubstring("does not exist"));

  // The same directory for both ranks: they agree and resume where rank 0 says.
  REQUIRE(run(binary() + " launch --nproc 2 --threads-per-rank 1 -- pretrain " + cfg +
              " --resume --set train.max_steps=6 --set train.out_dir=" + a.string(), out) == 0);
  CHECK_THAT(out, Catch::Matchers::ContainsSubstring("resumed at step 4"));
}
