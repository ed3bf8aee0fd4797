#include "tokenizer/batch_encode.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "util/threads.h"

namespace roberta::tokenizer {

void parallel_for(size_t count, int threads, const std::function<void(size_t, size_t)>& fn) {
  if (threads <= 0) threads = hardware_threads();
  // Small chunks handed out dynamically: lines vary a lot in length.
  const size_t chunk = std::max<size_t>(1, std::min<size_t>(1024, count / (size_t(threads) * 16) + 1));
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t begin; (begin = next.fetch_add(chunk)) < count;) fn(begin, std::min(count, begin + chunk));
  };
  if (threads == 1 || count <= chunk) {
    work();
    return;
  }
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
}

std::vector<std::vector<int32_t>> encode_lines(const Tokenizer& tokenizer,
                                               const std::vector<std::string_view>& lines,
                                               const BatchEncodeOptions& options) {
  std::vector<std::vector<int32_t>> out(lines.size());
  parallel_for(lines.size(), options.threads, [&](size_t begin, size_t end) {
    uint64_t bytes = 0;
    for (size_t i = begin; i < end; ++i) {
      out[i] = options.specials ? tokenizer.encode_single(lines[i]) : tokenizer.encode(lines[i]);
      bytes += lines[i].size();
    }
    if (options.on_bytes) options.on_bytes(bytes);
  });
  return out;
}

}  // namespace roberta::tokenizer
