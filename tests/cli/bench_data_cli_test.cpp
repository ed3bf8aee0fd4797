// `roberta bench data` end to end, as scripts/bench/data_scale.sh runs it: preprocess a corpus,
// then a loader per rank of 2 reading a whole epoch. Each rank must read a part of the token
// blocks (the blocks split), together all of them; the strided split reads everything.
#include "pretrain_fixture.h"

#include <regex>

using namespace pretrain_test;

namespace {
// The percentage of "blocks_read: R of T blocks = P%" in the output; -1 when absent.
double blocks_read_percent(const std::string& out) {
  std::smatch m;
  static const std::regex line("blocks_read: [0-9]+ of [0-9]+ [^=]*= ([0-9.]+)%");
  return std::regex_search(out, m, line) ? std::stod(m[1]) : -1;
}
}  // namespace

TEST_CASE("bench data: 2 ranks each read their part of the blocks, and resume with their split",
          "[cli][bench][data]") {
  const fs::path dir = scratch("bench_data");
  const fs::path shards = dir / "shards", text = dir / "corpus.txt";
  {
    // 20 copies of the Brown sample: 1M tokens, 31 blocks of 64 KiB, enough for a part per rank.
    std::ifstream in(std::string(ROBERTA_FIXTURES) + "/data/brown_sample.txt", std::ios::binary);
    const std::string sample((std::istreambuf_iterator<char>(in)), {});
    std::ofstream corpus(text, std::ios::binary);
    for (int i = 0; i < 20; ++i) corpus << sample << "\n\n";
  }
  std::string out;
  REQUIRE(run(binary() + " bench data --keep " + shards.string() + " --text " + text.string() + " --tokenizer " +
                  ROBERTA_FIXTURES + "/tokenizer/roberta --threads 1",
              out) == 0);
  INFO(out);
  for (const std::string split : {"blocks", "strided"}) {
    double total = 0;
    for (int rank = 0; rank < 2; ++rank) {
      REQUIRE(run(binary() + " bench data --dataset " + shards.string() + " --seq-len 32 --micro 4 --workers 1 " +
                      "--seconds 0.1 --world-size 2 --rank " + std::to_string(rank) + " --rank-split " + split +
                      " --read-epoch 1",
                  out) == 0);
      INFO(split << " rank " << rank << ": " << out);
      CHECK(out.find("resume_s: ") != std::string::npos);
      const double percent = blocks_read_percent(out);
      REQUIRE(percent > 0);
      if (split == "blocks") CHECK(percent < 65);  // half, plus the blocks shared at the part's ends
      if (split == "strided") CHECK(percent > 90);
      total += percent;
    }
    CHECK(total >= 100);
  }
}
