// Batch arithmetic through the CLI: a global batch that micro x ranks does not divide is a
// user error that names the keys and the numbers, before any training.
#include "pretrain_fixture.h"

using namespace pretrain_test;

TEST_CASE("pretrain: batch.sequences not a multiple of micro x ranks is an error", "[cli][pretrain]") {
  const fs::path dir = scratch("accumulation");
  const std::string cfg = write_config(dir, (dir / "run").string());
  std::string out;
  SECTION("one rank: 6 sequences in micro-batches of 4") {
    CHECK(run(binary() + " --threads 1 pretrain " + cfg + " --set batch.sequences=6 --set batch.micro=4", out) != 0);
    INFO(out);
    // The config layer catches the one-rank case already; either message names both keys.
    CHECK(out.find("batch.sequences") != std::string::npos);
    CHECK(out.find("batch.micro") != std::string::npos);
    CHECK(out.find("multiple of batch.micro") != std::string::npos);
    CHECK(out.find("found 6") != std::string::npos);
  }
  SECTION("two ranks: 4 sequences in micro-batches of 4 would need 8") {
    CHECK(run(binary() + " launch --nproc 2 --threads-per-rank 1 -- pretrain " + cfg +
                  " --set dist.backend=gloo --set batch.sequences=4 --set batch.micro=4", out) != 0);
    INFO(out);
    CHECK(out.find("4 x 2 = 8") != std::string::npos);
  }
  CHECK_FALSE(fs::exists(fs::path(dir / "run" / "checkpoint-last")));
}
