// `roberta finetune` is one process until fine-tuning runs through the data-parallel trainer:
// started as one rank of many it must refuse, not train the whole task on every rank and have
// all of them write the same out_dir.
#include "pretrain_fixture.h"

using namespace pretrain_test;

TEST_CASE("finetune refuses to run as one rank of a multi-process job", "[cli][dist]") {
  std::string out;
  const std::string cfg = std::string(ROBERTA_SOURCE_DIR) + "/configs/finetune/local/brown-genre.yaml";
  const int code = run("RANK=1 WORLD_SIZE=2 LOCAL_RANK=1 MASTER_ADDR=127.0.0.1 " + binary() + " finetune " + cfg, out);
  CHECK(code == 1);
  CHECK_THAT(out, Catch::Matchers::ContainsSubstring("finetune") && Catch::Matchers::ContainsSubstring("rank 1 of 2") &&
                      Catch::Matchers::ContainsSubstring("torchrun"));
}
