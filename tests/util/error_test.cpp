#include "tests/catch.h"

#include "util/error.h"

TEST_CASE("fail() throws roberta::Error with the formatted message", "[util]") {
  try {
    roberta::fail("{}:{}: expected {}, found {}", "a.yaml", 3, "int", "'x'");
    FAIL("fail() returned");
  } catch (const roberta::Error& e) {
    CHECK(std::string(e.what()) == "a.yaml:3: expected int, found 'x'");
  }
}
