// metrics.jsonl lines parse back as JSON with the given fields; progress lines are exact.
#include "roberta/train/metrics_logger.h"
#include "roberta/train/progress_line.h"

#include "tests/catch.h"
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

TEST_CASE("a metrics line is one JSON object, non-finite values become null",
          "[train][metrics]") {
  const auto line = roberta::MetricsLogger::format_line(
      "train", 120, 1764095000.1234,
      {{"loss", 7.213}, {"ppl", 1356.2}, {"grad_norm", std::numeric_limits<double>::quiet_NaN()}});
  CHECK(line.find('\n') == std::string::npos);
  auto json = nlohmann::json::parse(line);
  CHECK(json["split"] == "train");
  CHECK(json["step"] == 120);
  CHECK(json["time"].get<double>() == Approx(1764095000.123));
  CHECK(json["loss"].get<double>() == 7.213);
  CHECK(json["ppl"].get<double>() == 1356.2);
  CHECK(json["grad_norm"].is_null());
  CHECK(line.rfind(R"({"split":"train","step":120,)", 0) == 0);  // field order kept
}

TEST_CASE("MetricsLogger appends across instances (a resumed run)", "[train][metrics]") {
  const auto dir = std::filesystem::temp_directory_path() / "roberta_metrics_test";
  std::filesystem::remove_all(dir);
  { roberta::MetricsLogger(dir.string()).log("train", 1, {{"loss", 9.0}}); }
  { roberta::MetricsLogger(dir.string()).log("valid", 2, {{"loss", 8.5}}); }
  std::ifstream in(dir / "metrics.jsonl");
  std::string first, second, third;
  REQUIRE(std::getline(in, first));
  REQUIRE(std::getline(in, second));
  CHECK_FALSE(std::getline(in, third));
  CHECK(nlohmann::json::parse(first)["split"] == "train");
  CHECK(nlohmann::json::parse(second)["loss"].get<double>() == 8.5);
  std::filesystem::remove_all(dir);
}

TEST_CASE("progress line format", "[train][metrics]") {
  roberta::ProgressFields f;
  f.step = 120;
  f.total_steps = 600;
  f.loss = 7.2134;
  f.ppl = 1356.23;
  f.lr = 4e-4;
  f.grad_norm = 1.234;
  f.tokens_per_s = 12345;
  f.eta_seconds = 312;
  CHECK(roberta::format_progress_line(f) ==
        "step 120/600 | loss 7.213 | ppl 1356.2 | lr 4.0e-04 | gnorm 1.23 | 12.3k tok/s | "
        "eta 5m12s");
  CHECK(roberta::format_rate(950) == "950");
  CHECK(roberta::format_rate(2.5e6) == "2.50M");
  CHECK(roberta::format_duration(42) == "42s");
  CHECK(roberta::format_duration(59.6) == "1m00s");
  CHECK(roberta::format_duration(3725) == "1h02m");
  CHECK(roberta::format_duration(90000) == "1d01h");
  CHECK(roberta::format_duration(-1) == "?");
}
