// Encodes many lines on a pool of threads; the output order equals the input order.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.h"
#include "util/threads.h"

namespace roberta::tokenizer {

struct BatchEncodeOptions {
  int threads = 0;              // 0: all cores
  bool specials = false;        // encode_single (<s> A </s>, "<mask>" recognised) instead of encode
  std::function<void(uint64_t)> on_bytes;  // progress: called with bytes done (from any thread)
};

// One id vector per line.
std::vector<std::vector<int32_t>> encode_lines(const Tokenizer& tokenizer,
                                               const std::vector<std::string_view>& lines,
                                               const BatchEncodeOptions& options = {});

// The ids of each line of `block` as text: decimal ids separated by one space, one output line
// per input line ('\n' ends each input line; a last line without one counts too). The block is
// cut at line ends into parts that are encoded and formatted each on one thread, never as one
// id vector per line; the parts, written in order, are the output.
std::vector<std::string> encode_lines_to_text(const Tokenizer& tokenizer, std::string_view block,
                                              const BatchEncodeOptions& options = {});

using roberta::parallel_for;  // util/threads.h

}  // namespace roberta::tokenizer
