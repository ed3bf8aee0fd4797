// `roberta config` end to end, when the binary has been built (skipped otherwise: this test
// executable does not depend on it).
#include "tests/catch.h"

#include <array>
#include <cstdio>
#include <filesystem>
#include <sys/wait.h>

#include "roberta/config/config.h"
#include "tests/roberta/config/test_util.h"

using Catch::Matchers::ContainsSubstring;

namespace {

struct Run {
  int status;
  std::string output;  // stdout and stderr
};

Run run(const std::string& args) {
  std::string command = std::string(ROBERTA_BINARY) + " " + args + " 2>&1";
  Run result{-1, ""};
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace

TEST_CASE("roberta config prints a re-loadable resolved config, errors exit non-zero", "[config][cli][slow]") {
  if (!std::filesystem::exists(ROBERTA_BINARY)) {
    ROBERTA_SKIP("the roberta binary is not built");
  }
  const std::string demo = ROBERTA_SOURCE_DIR "/configs/pretrain/demo.yaml";
  Run ok = run("config " + demo + " --set model.layers=2 --set optim.betas=[0.8,0.9]");
  REQUIRE(ok.status == 0);
  roberta::Config printed = roberta::config_from_yaml_string(ok.output, "roberta config output");
  roberta::test::use_source_presets();
  roberta::Config direct =
      roberta::load_config({demo}, {"model.layers=2", "optim.betas=[0.8,0.9]"});
  CHECK(printed == direct);
  CHECK(printed.model.layers == 2);
  CHECK(printed.model.hidden == 256);  // tiny preset

  Run bad = run("config " + demo + " --set model.layres=2");
  CHECK(bad.status != 0);
  CHECK_THAT(bad.output, ContainsSubstring("--set model.layres=2: unknown key 'model.layres'"));
  CHECK_THAT(bad.output, ContainsSubstring("did you mean 'model.layers'?"));

  Run missing = run("config no-such-file.yaml");
  CHECK(missing.status != 0);
  CHECK_THAT(missing.output, ContainsSubstring("no-such-file.yaml"));
}
