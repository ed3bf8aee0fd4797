// The one place that knows which Catch2 is installed: v2 (Debian 12, single header) or v3
// (Debian 13, pip-era systems). Tests include this and spell matchers the v3 way
// (Catch::Matchers::ContainsSubstring); a test that cannot run its check says so with
// ROBERTA_SKIP, which ctest reports as skipped (tests/CMakeLists.txt), never as passed.
#pragma once

#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#define ROBERTA_CATCH_V3 1
using Catch::Approx;
#else
#include <catch2/catch.hpp>
#include <string>
namespace Catch::Matchers {
inline StdString::ContainsMatcher ContainsSubstring(const std::string& text,
                                                    CaseSensitive::Choice cs = CaseSensitive::Yes) {
  return Contains(text, cs);
}
}  // namespace Catch::Matchers
#endif

#include <iostream>

// The marker ctest's SKIP_REGULAR_EXPRESSION looks for (tests/CMakeLists.txt).
#define ROBERTA_SKIP_MARKER "ROBERTA_SKIPPED:"

// Ends the current test case as skipped, with the reason on stdout. Catch2 v3 counts it as
// skipped itself; v2 has no skip, so the marker is what makes ctest report it.
#ifdef ROBERTA_CATCH_V3
#define ROBERTA_SKIP(reason)                                                   \
  do {                                                                         \
    std::cout << ROBERTA_SKIP_MARKER " " << reason << std::endl;               \
    SKIP(reason);                                                              \
  } while (0)
#else
#define ROBERTA_SKIP(reason)                                                   \
  do {                                                                         \
    std::cout << ROBERTA_SKIP_MARKER " " << reason << std::endl;               \
    return;                                                                    \
  } while (0)
#endif
