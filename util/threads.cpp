// parallel_for: a small dynamic thread pool for the data and tokenizer loops.
#include "util/threads.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <vector>

namespace roberta {

void parallel_for(size_t count, int threads, const std::function<void(size_t, size_t)>& fn) {
  if (threads <= 0) threads = hardware_threads();
  // Small chunks handed out dynamically: lines vary a lot in length.
  const size_t chunk = std::max<size_t>(1, std::min<size_t>(1024, count / (size_t(threads) * 16) + 1));
  std::atomic<size_t> next{0};
  // The first exception of any thread (a bad line, no memory) stops the hand-out and is rethrown
  // here once every thread has finished: an exception escaping a std::thread would end the
  // process through std::terminate instead of reaching main's error message.
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto work = [&] {
    try {
      for (size_t begin; (begin = next.fetch_add(chunk)) < count;) fn(begin, std::min(count, begin + chunk));
    } catch (...) {
      std::lock_guard<std::mutex> lock(failure_mutex);
      if (!failure) failure = std::current_exception();
      next = count;
    }
  };
  if (threads == 1 || count <= chunk) {
    work();
  } else {
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& th : pool) th.join();
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace roberta
