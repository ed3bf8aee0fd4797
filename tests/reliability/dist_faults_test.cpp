// One rank of a 2-rank `roberta launch` pretraining run is killed with SIGKILL: every rank and
// the launcher must exit non-zero within a stated time (no hang until a collective timeout),
// and the launcher must name the lost rank.
#include "tests/catch.h"

#include <signal.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "tests/reliability/harness.h"

using namespace roberta::reliability;

namespace {

// Child pids of pid (Linux /proc/<pid>/task/<pid>/children).
std::vector<pid_t> children(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  std::vector<pid_t> out;
  pid_t c;
  while (in >> c) out.push_back(c);
  return out;
}

// The RANK variable of a process's environment, or -1.
int rank_of(pid_t pid) {
  const std::string env = read_text("/proc/" + std::to_string(pid) + "/environ");
  std::istringstream in(env);
  std::string var;
  while (std::getline(in, var, '\0')) {
    if (var.rfind("RANK=", 0) == 0) return std::stoi(var.substr(5));
  }
  return -1;
}

}  // namespace

TEST_CASE("a rank killed in a 2-rank launch: all ranks exit non-zero promptly, the lost rank "
          "is named", "[reliability][faults][dist]") {
  TempDir dir("rankkill");
  const fs::path out = dir.path / "run";
  // dist.timeout_s is long on purpose: the survivors must notice the lost peer from the broken
  // connection, not by waiting out the collective timeout.
  std::string config = tiny_config(out, 100000, "  save_every: 0\n  log_every: 1\n") +
                       "dist: {backend: gloo, timeout_s: 300}\n";
  config.replace(config.find("batch: {sequences: 4, micro: 4}"), 31, "batch: {sequences: 8, micro: 4}");
  write_text(dir.path / "exp.yaml", config);
  Process launcher({"launch", "--nproc", "2", "--threads-per-rank", "1", "--", "pretrain", "exp.yaml"},
                   dir.path, dir.path / "launch.log");
  REQUIRE(wait_until([&] { return launcher.output().find("step 3/") != std::string::npos || !launcher.running(); }, 180));
  REQUIRE(launcher.running());
  pid_t victim = -1;
  std::vector<pid_t> ranks = children(launcher.pid());
  for (pid_t c : ranks) {
    if (rank_of(c) == 1) victim = c;
  }
  REQUIRE(ranks.size() == 2);
  REQUIRE(victim > 0);
  const auto start = Clock::now();
  ::kill(victim, SIGKILL);
  const int code = launcher.wait(60);
  const double seconds = seconds_since(start);
  INFO(launcher.output());
  CHECK(code != 0);
  CHECK(code != -1);  // did not hang
  CHECK(seconds < 60);
  CHECK_THAT(launcher.output(), Catch::Matchers::ContainsSubstring("rank 1") && Catch::Matchers::ContainsSubstring("signal 9"));
  // No rank is left behind.
  for (pid_t c : ranks) CHECK(::kill(c, 0) != 0);
  WARN("rank 1 SIGKILLed: launcher exited " << code << " after " << seconds << " s");
}
