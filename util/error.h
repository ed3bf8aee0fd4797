// The one exception type for errors a user can cause (bad config, missing file, corrupt
// data). Messages name the file, the line or key, what was expected and what was found.
// `main` catches it, prints the message and exits non-zero. Invariants use TORCH_CHECK/assert.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace roberta {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// fail("{}:{}: expected {}, found {}", path, line, a, b) throws Error with the formatted text.
template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace roberta
