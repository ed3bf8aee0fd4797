// The common yardstick (train.yardstick, docs/ablations.md): runs of any input format are
// scored on the valid split as FULL-SENTENCES sequences with masks of train.eval_seed. The
// independent truth is a full_sentences run's own validation: a doc_sentences run that starts
// from the same weights and hardly moves them (lr 1e-12, one update) must score the same on
// the yardstick, and differently on its own doc_sentences validation.
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "roberta/dist/single_process_communicator.h"
#include "roberta/train/pretrainer.h"
#include "tests/roberta/train/pretrain_inprocess.h"

#undef CHECK
#include "tests/catch.h"

namespace {

struct Score {
  double loss = 0, unigram = 0;  // masked-LM loss; the unigram baseline, a function of the masked targets alone
};

// {split: score} of the records at `step` in <out_dir>/metrics.jsonl.
std::map<std::string, Score> scores_at(const std::string& out_dir, int64_t step) {
  std::ifstream in(std::filesystem::path(out_dir) / "metrics.jsonl");
  std::map<std::string, Score> out;
  std::string line;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    if (j.at("step").get<int64_t>() == step && j.contains("loss") && !j.at("loss").is_null()) {
      out[j.at("split").get<std::string>()] = {j.at("loss").get<double>(), j.value("unigram_accuracy", -1.0)};
    }
  }
  return out;
}

std::map<std::string, Score> run(const std::string& name, std::vector<std::string> overrides) {
  overrides.insert(overrides.end(), {"optim.lr=1e-12", "train.eval_batches=0", "train.yardstick=true"});
  roberta::Config config = roberta::test::inprocess_config("yardstick", 1, overrides);
  config.train.out_dir += "_" + name;
  std::filesystem::remove_all(config.train.out_dir);
  roberta::SingleProcessCommunicator comm;
  roberta::pretrain(config, comm);
  return scores_at(config.train.out_dir, 1);
}

}  // namespace

TEST_CASE("train.yardstick scores every input format on the same FULL-SENTENCES predictions", "[pretrain]") {
  const auto full = run("full", {"data.format=full_sentences"});
  const auto doc = run("doc", {"data.format=doc_sentences"});
  const auto other_masks = run("other_masks", {"data.format=full_sentences", "train.eval_seed=9"});
  REQUIRE(full.count("valid"));
  REQUIRE(full.count("yardstick"));
  REQUIRE(doc.count("valid"));
  REQUIRE(doc.count("yardstick"));
  INFO("full_sentences valid " << full.at("valid").loss << ", yardstick " << full.at("yardstick").loss);
  INFO("doc_sentences valid " << doc.at("valid").loss << ", yardstick " << doc.at("yardstick").loss);
  INFO("full_sentences, eval_seed 9: valid " << other_masks.at("valid").loss);
  // A full_sentences run's validation is the yardstick.
  CHECK(full.at("yardstick").loss == full.at("valid").loss);
  // The same weights score the same on the yardstick whatever format they trained on: the
  // same masked targets (the unigram baseline is a function of them alone) and the same loss...
  CHECK(doc.at("yardstick").unigram == full.at("valid").unigram);
  CHECK(std::abs(doc.at("yardstick").loss - full.at("valid").loss) <= 1e-5 * full.at("valid").loss);
  // ...while their own format's inputs, or other masks, are other predictions (measured: a
  // unigram baseline of 13.0% and 7.7% against 8.7%).
  CHECK(std::abs(doc.at("valid").unigram - doc.at("yardstick").unigram) > 0.01);
  CHECK(std::abs(other_masks.at("valid").unigram - full.at("valid").unigram) > 0.005);
  CHECK(doc.at("valid").loss != doc.at("yardstick").loss);
  std::filesystem::remove_all(roberta::test::inprocess_root("yardstick"));
}
