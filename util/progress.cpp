#include "util/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>

namespace roberta {
namespace {
std::atomic<bool> g_enabled{true};
}

void Progress::set_enabled(bool enabled) { g_enabled = enabled; }

Progress::Progress(std::string label, uint64_t total, std::string unit)
    : label_(std::move(label)), total_(total), unit_(std::move(unit)) {
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

Progress::~Progress() { finish(); }

void Progress::add(uint64_t amount) {
  std::lock_guard<std::mutex> lock(mutex_);
  done_ += amount;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ > std::chrono::milliseconds(250)) {
    last_draw_ = now;
    draw(false);
  }
}

void Progress::finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) return;
  finished_ = true;
  draw(true);
}

void Progress::draw(bool final) {
  if (!g_enabled) return;
  const bool tty = isatty(fileno(stderr));
  if (!tty && !final) return;
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double scale = unit_ == "MB" ? 1e-6 : 1.0;
  double rate = seconds > 0 ? done_ * scale / seconds : 0.0;
  std::string line = fmt::format("{}: {:.1f}/{:.1f} {} ({:.2f} {}/s", label_, done_ * scale,
                                 total_ * scale, unit_, rate, unit_);
  if (!final && total_ > 0 && done_ > 0 && done_ < total_) {
    double eta = seconds * (double(total_) / double(done_) - 1.0);
    line += fmt::format(", ETA {:.0f}s", eta);
  } else {
    line += fmt::format(", {:.1f}s", seconds);
  }
  line += ")";
  if (tty) {
    fmt::print(stderr, "\r{}\x1b[K{}", line, final ? "\n" : "");
  } else {
    fmt::print(stderr, "{}\n", line);
  }
  std::fflush(stderr);
}

}  // namespace roberta
