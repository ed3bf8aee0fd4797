// docs/config.md is the generated reference, so every key is documented and no stale key is.
#include "tests/catch.h"

#include <fstream>
#include <sstream>

#include "roberta/config/config.h"

TEST_CASE("docs/config.md is up to date with the key table", "[config]") {
  std::ifstream in(ROBERTA_SOURCE_DIR "/docs/config.md");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  for (const auto& k : roberta::config_keys()) {
    INFO(k.key);
    CHECK(text.str().find("| `" + k.key + "` |") != std::string::npos);
  }
  // Regenerate with: build/roberta config --markdown > docs/config.md
  CHECK(text.str() == roberta::config_reference_markdown());
}
