// How many threads "all cores" means on this machine (LibTorch 1.13 defaults to 1 intra-op
// thread here; we default to the cores).
#pragma once

#include <cstddef>
#include <functional>
#include <thread>

namespace roberta {

inline int hardware_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

// Runs fn(begin, end) over [0, count) split into chunks handed out dynamically on `threads`
// threads (0: all cores). The first exception of any thread stops the hand-out and is rethrown
// here once all have finished.
void parallel_for(size_t count, int threads, const std::function<void(size_t, size_t)>& fn);

}  // namespace roberta
