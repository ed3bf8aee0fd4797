// Appends one JSON object per log step to <out_dir>/metrics.jsonl, e.g.
//   {"split":"train","step":120,"time":1764095000.1,"loss":7.213,"ppl":1356.2,"lr":0.0004,...}
// Train and validation records share the file, told apart by "split". The file is appended
// to (a resumed run continues it; readers keep the last record per split and step) and
// flushed after every line so a killed run loses nothing. Non-finite values are written as null.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace roberta {

// Field name -> value, written in this order after split, step and time.
using MetricValues = std::vector<std::pair<std::string, double>>;

class MetricsLogger {
 public:
  // Creates out_dir if needed; Error naming the file if it cannot be opened.
  explicit MetricsLogger(const std::string& out_dir);

  void log(const std::string& split, int64_t step, const MetricValues& values);
  const std::string& path() const { return path_; }

  // The line log() writes (without the newline), with an explicit time: a pure function.
  static std::string format_line(const std::string& split, int64_t step, double unix_time,
                                 const MetricValues& values);

 private:
  std::string path_;
  std::ofstream file_;
};

}  // namespace roberta
