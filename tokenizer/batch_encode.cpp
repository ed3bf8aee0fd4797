#include "tokenizer/batch_encode.h"

#include <algorithm>
#include <atomic>
#include <charconv>
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

std::vector<std::string> encode_lines_to_text(const Tokenizer& tokenizer, std::string_view block,
                                              const BatchEncodeOptions& options) {
  // Parts of about 256 KB: small enough to spread over the threads, large enough that
  // handing them out costs nothing.
  constexpr size_t kPartBytes = 256 << 10;
  std::vector<std::string_view> parts;
  for (size_t begin = 0; begin < block.size();) {
    size_t end = block.find('\n', std::min(block.size(), begin + kPartBytes));
    end = end == std::string_view::npos ? block.size() : end + 1;
    parts.push_back(block.substr(begin, end - begin));
    begin = end;
  }
  std::vector<std::string> out(parts.size());
  parallel_for(parts.size(), options.threads, [&](size_t first, size_t last) {
    std::vector<int32_t> ids;
    for (size_t p = first; p < last; ++p) {
      std::string_view part = parts[p];
      std::string& text = out[p];
      text.reserve(part.size() * 2);
      for (size_t begin = 0; begin < part.size();) {
        size_t end = part.find('\n', begin);
        if (end == std::string_view::npos) end = part.size();
        std::string_view line = part.substr(begin, end - begin);
        ids.clear();
        if (options.specials) {
          ids = tokenizer.encode_single(line);
        } else {
          tokenizer.encode_append(line, ids);
        }
        char buffer[16];
        for (size_t i = 0; i < ids.size(); ++i) {
          if (i > 0) text += ' ';
          text.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, ids[i]).ptr);
        }
        text += '\n';
        begin = end + 1;
      }
      if (options.on_bytes) options.on_bytes(part.size());
    }
  });
  return out;
}

}  // namespace roberta::tokenizer
