// JSON-lines metrics (see metrics_logger.h).
#include "roberta/train/metrics_logger.h"

#include "util/error.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>

namespace roberta {

MetricsLogger::MetricsLogger(const std::string& out_dir) {
  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error) fail("{}: cannot create the run directory: {}", out_dir, error.message());
  path_ = (std::filesystem::path(out_dir) / "metrics.jsonl").string();
  file_.open(path_, std::ios::app);
  if (!file_) fail("{}: cannot open for appending", path_);
}

std::string MetricsLogger::format_line(const std::string& split, int64_t step, double unix_time,
                                       const MetricValues& values) {
  // ordered_json keeps the fields in the order given: lines stay readable by eye.
  nlohmann::ordered_json record;
  record["split"] = split;
  record["step"] = step;
  record["time"] = std::round(unix_time * 1000.0) / 1000.0;
  for (const auto& [name, value] : values) {
    if (std::isfinite(value)) {
      record[name] = value;
    } else {
      record[name] = nullptr;  // JSON has no inf/nan
    }
  }
  return record.dump();
}

void MetricsLogger::log(const std::string& split, int64_t step, const MetricValues& values) {
  using namespace std::chrono;
  const double now = duration<double>(system_clock::now().time_since_epoch()).count();
  file_ << format_line(split, step, now, values) << '\n';
  file_.flush();
  if (!file_) fail("{}: write failed (disk full?)", path_);
}

}  // namespace roberta
