// Dynamic loss scaling (train.loss_scale) through the CLI, on CPU in fp32, where its wiring can
// be checked exactly: multiplying the loss by a power of two and dividing the gradients by it
// again changes no bit of an IEEE computation that neither overflows nor underflows, so a
// scaled run must write the very weights of an unscaled one. A scale too large for fp32 makes
// the scaled gradients overflow: those updates are skipped and counted apart from the
// non-finite guard, the scale backs off until it fits, and the run finishes.
#include "pretrain_fixture.h"

#include <cmath>
#include <sstream>

using namespace pretrain_test;

namespace {

// The "train" records of a run's metrics.jsonl, in order.
std::vector<nlohmann::json> train_records(const fs::path& run) {
  std::ifstream in(run / "metrics.jsonl");
  std::vector<nlohmann::json> records;
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    if (j.value("split", "") == "train") records.push_back(j);
  }
  return records;
}

}  // namespace

TEST_CASE("pretrain: a power-of-two loss scale leaves the weights bit-identical", "[cli][pretrain]") {
  const fs::path dir = scratch("loss_scale_exact");
  const std::string cfg = write_config(dir, (dir / "unused").string());
  std::string out;
  const std::string plain = (dir / "plain").string(), scaled = (dir / "scaled").string();
  const std::string pretrain = binary() + " --threads 1 pretrain " + cfg + " --set train.max_steps=4";

  REQUIRE(run(pretrain + " --set train.out_dir=" + plain, out) == 0);
  INFO(out);
  REQUIRE(run(pretrain + " --set train.loss_scale=dynamic --set train.loss_scale_init=1024"
                         " --set train.out_dir=" + scaled, out) == 0);
  const std::string a = read_bytes(fs::path(plain) / "checkpoint-4" / "model.safetensors");
  const std::string b = read_bytes(fs::path(scaled) / "checkpoint-4" / "model.safetensors");
  REQUIRE(!a.empty());
  CHECK(a == b);

  const auto records = train_records(scaled);
  REQUIRE(records.size() == 4);
  CHECK(records.back().at("loss_scale").get<double>() == 1024.0);
  CHECK(records.back().at("overflow_skipped").get<double>() == 0.0);
  // The unscaled run logs no scaling fields at all.
  CHECK_FALSE(train_records(plain).back().contains("loss_scale"));
}

TEST_CASE("pretrain: overflowing scaled gradients skip the update and back the scale off", "[cli][pretrain]") {
  const fs::path dir = scratch("loss_scale_overflow");
  const std::string out_dir = (dir / "run").string();
  const std::string cfg = write_config(dir, out_dir);
  std::string out;
  // 2^127 is finite in fp32 but loss (~11) x 2^127 is not: the first updates must overflow.
  // train.max_nonfinite_in_a_row = 1 proves the overflows are not counted as non-finite steps.
  const std::string pretrain = binary() + " --threads 1 pretrain " + cfg +
                               " --set train.max_steps=16 --set train.loss_scale=dynamic"
                               " --set train.loss_scale_init=1.7014118346046923e38"
                               " --set train.max_nonfinite_in_a_row=1 --set train.save_every=8";
  REQUIRE(run(pretrain, out) == 0);
  INFO(out);
  CHECK(out.find("gradients overflow at loss scale") != std::string::npos);

  const auto records = train_records(out_dir);
  REQUIRE(records.size() == 16);
  const double skipped = records.back().at("overflow_skipped").get<double>();
  const double scale = records.back().at("loss_scale").get<double>();
  // Each overflow halves the scale (no growth within 16 clean steps of window 2000).
  CHECK(skipped >= 3);
  CHECK(skipped < 16);
  CHECK(scale == std::ldexp(1.0, 127 - static_cast<int>(skipped)));
  CHECK(records.back().at("skipped").get<double>() == 0);
  for (const auto& r : records) CHECK(std::isfinite(r.at("loss").get<double>()));

  // The scale and the overflow count travel in the checkpoint.
  std::ifstream state(fs::path(out_dir) / "checkpoint-16" / "trainer_state.json");
  const auto j = nlohmann::json::parse(state);
  CHECK(j.at("loss_scale").get<double>() == scale);
  CHECK(j.at("overflow_skipped").get<double>() == skipped);

  // A resumed run continues from checkpoint-8's scale, not from loss_scale_init: it ends at the
  // same weights as the straight run.
  const std::string halves = (dir / "halves").string();
  REQUIRE(run(pretrain + " --set train.max_steps=8 --set train.out_dir=" + halves, out) == 0);
  REQUIRE(run(pretrain + " --resume --set train.out_dir=" + halves, out) == 0);
  CHECK(read_bytes(fs::path(halves) / "checkpoint-16" / "model.safetensors") ==
        read_bytes(fs::path(out_dir) / "checkpoint-16" / "model.safetensors"));
}
