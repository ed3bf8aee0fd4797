// `roberta preprocess CONFIG` end to end: shards, then the sample plan of the config's format
// and seq_len cached beside them; a second run finds both up to date.
#include "pretrain_fixture.h"

using namespace pretrain_test;

TEST_CASE("preprocess CONFIG caches the sample plan of data.format and data.seq_len", "[cli][preprocess]") {
  const fs::path dir = scratch("preprocess_config");
  const fs::path shards = dir / "shards";
  auto config = [&](const std::string& format) {
    const fs::path path = dir / (format + ".yaml");
    std::ofstream(path) << "tokenizer:\n  dir: " << ROBERTA_FIXTURES << "/tokenizer/roberta\n"
                        << "data:\n  train: " << ROBERTA_FIXTURES << "/data/brown_sample.txt\n"
                        << "  shard_dir: " << shards.string() << "\n  format: " << format << "\n  seq_len: 48\n"
                        << "train:\n  out_dir: " << (dir / "run").string() << "\n";
    return path.string();
  };
  const fs::path plan = shards / "train" / "plans" / "full_sentences-48.plan";
  std::string out;
  REQUIRE(run(binary() + " --threads 1 preprocess --quiet " + config("full_sentences"), out) == 0);
  INFO(out);
  CHECK(fs::exists(shards / "train" / "dataset.json"));
  REQUIRE(fs::exists(plan));
  CHECK(out.find("sample plan: ") != std::string::npos);
  CHECK(out.find(plan.string()) != std::string::npos);
  const auto written = fs::last_write_time(plan);

  // Again: the shards are up to date and the plan is read, not rewritten.
  REQUIRE(run(binary() + " --threads 1 preprocess --quiet " + config("full_sentences"), out) == 0);
  CHECK(out.find("up to date") != std::string::npos);
  CHECK(fs::last_write_time(plan) == written);

  // A pair format has no cached plan (it is drawn in memory at every start): nothing is written.
  REQUIRE(run(binary() + " --threads 1 preprocess --quiet " + config("segment_pair"), out) == 0);
  CHECK(out.find("sample plan") == std::string::npos);
  CHECK_FALSE(fs::exists(shards / "train" / "plans" / "segment_pair-48.plan"));
}
