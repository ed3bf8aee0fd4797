// Each rank reads its part inside data-parallel training, not only in the loader: 2 Gloo ranks
// pretrain through most of an epoch of the Brown sample preprocessed into 256-byte token blocks
// (about 430), and rank 0 reports the share of the blocks each rank read and the share more
// than one rank read (one all-reduce at the end of the run). With data.rank_split = blocks each
// rank reads within its own runs of blocks: about half each here, hardly any block twice; with
// strided each rank's samples fall all over the set (about 4 samples per block), so both ranks
// read most blocks.
#include "pretrain_fixture.h"

#include <regex>

using namespace pretrain_test;

namespace {
struct BlocksRead {
  double rank0 = -1, rank1 = -1, shared = -1;
  std::string split;
};

// "data: token blocks read per rank A% | B% of T | by more than one rank C% | data.rank_split S"
BlocksRead parse_blocks_read(const std::string& out) {
  static const std::regex line(
      "data: token blocks read per rank ([0-9.]+)% \\| ([0-9.]+)% of ([0-9]+) \\| by more than one rank ([0-9.]+)% \\| "
      "data.rank_split ([a-z]+)");
  std::smatch m;
  BlocksRead r;
  if (!std::regex_search(out, m, line)) return r;
  r.rank0 = std::stod(m[1]) / 100;
  r.rank1 = std::stod(m[2]) / 100;
  r.shared = std::stod(m[4]) / 100;
  r.split = m[5];
  CHECK(std::stoi(m[3]) > 300);
  return r;
}
}  // namespace

TEST_CASE("pretrain with 2 Gloo ranks: with rank_split blocks each rank reads its own part of the token blocks",
          "[cli][pretrain][dist][data]") {
  const fs::path dir = scratch("rank_blocks");
  const fs::path shards = dir / "shards";
  std::string out;
  REQUIRE(run(binary() + " --threads 1 preprocess --quiet --threads 1 --block-bytes 256 --input " + ROBERTA_FIXTURES +
                  "/data/brown_sample.txt --output " + (shards / "train").string() + " --tokenizer " +
                  ROBERTA_FIXTURES + "/tokenizer/roberta",
              out) == 0);
  INFO(out);
  const std::string cfg = write_config(dir, (dir / "unused").string());
  // About 1,800 samples of 32 tokens: 28 updates of 64 make an epoch; 20 (and the prefetched
  // batches) stay inside epoch 0, whose split the shares describe.
  const std::string common = " --set data.shard_dir=" + shards.string() +
                             " --set train.max_steps=20 --set batch.sequences=64 --set batch.micro=32"
                             " --set dist.backend=gloo --set train.save_every=0";
  std::map<std::string, BlocksRead> read;
  for (const std::string split : {"blocks", "strided"}) {
    REQUIRE(run(binary() + " launch --nproc 2 --threads-per-rank 1 -- pretrain " + cfg + common +
                    " --set data.rank_split=" + split + " --set train.out_dir=" + (dir / split).string(),
                out) == 0);
    INFO(out);
    read[split] = parse_blocks_read(out);
    REQUIRE(read[split].split == split);
  }
  const BlocksRead& blocks = read["blocks"];
  const BlocksRead& strided = read["strided"];
  INFO("blocks: " << blocks.rank0 << " | " << blocks.rank1 << ", shared " << blocks.shared);
  INFO("strided: " << strided.rank0 << " | " << strided.rank1 << ", shared " << strided.shared);
  // Most of each rank's half of the epoch (with the prefetched batches; measured: 49% and 51%),
  // plus the blocks its runs share at their ends with the other rank's.
  for (double share : {blocks.rank0, blocks.rank1}) {
    CHECK(share >= 0.3);
    CHECK(share <= 0.6);
  }
  CHECK(blocks.shared <= 0.1);
  for (double share : {strided.rank0, strided.rank1}) CHECK(share >= 0.7);
  CHECK(strided.shared >= 0.5);
}
