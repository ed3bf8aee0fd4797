// A progress bar on stderr for long jobs (tokenizing, preprocessing): done/total, rate,
// ETA. Redraws at most a few times a second; prints nothing when stderr is not a terminal
// unless forced, and always a final summary line via finish().
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace roberta {

class Progress {
 public:
  // unit: "MB" turns byte counts into MB/s; anything else is printed as items/s.
  Progress(std::string label, uint64_t total, std::string unit = "MB");
  ~Progress();
  void add(uint64_t amount);  // thread-safe
  void finish();              // prints the final line once
  static void set_enabled(bool enabled);  // tests and --quiet turn it off

 private:
  void draw(bool final);
  std::string label_;
  uint64_t total_;
  std::string unit_;
  uint64_t done_ = 0;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
  std::mutex mutex_;
};

}  // namespace roberta
