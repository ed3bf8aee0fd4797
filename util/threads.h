// How many threads "all cores" means on this machine (LibTorch 1.13 defaults to 1 intra-op
// thread here; we default to the cores).
#pragma once

#include <thread>

namespace roberta {

inline int hardware_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

}  // namespace roberta
