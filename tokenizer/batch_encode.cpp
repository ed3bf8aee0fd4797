#include "tokenizer/batch_encode.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include "util/threads.h"

namespace roberta::tokenizer {

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
