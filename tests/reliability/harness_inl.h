// Template definitions of harness.h.
#pragma once

#include <thread>

namespace roberta::reliability {

template <typename Pred>
bool wait_until(Pred pred, double timeout_s) {
  const auto start = Clock::now();
  while (!pred()) {
    if (seconds_since(start) > timeout_s) return pred();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace roberta::reliability
