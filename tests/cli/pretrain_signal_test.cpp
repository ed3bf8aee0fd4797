// Pre-emption through the CLI: SIGTERM during training finishes the current update, writes a
// checkpoint and exits 0 (a cluster's scheduler then requeues with --resume); a second signal
// before that exits at once with status 130.
#include "pretrain_fixture.h"

#include <signal.h>

#include <chrono>
#include <thread>

using namespace pretrain_test;

namespace {

// Starts `roberta pretrain` (or, with ranks > 1, `roberta launch --nproc ranks -- pretrain`)
// in the background with stdout+stderr to `log`; returns its pid.
pid_t spawn_pretrain(const std::string& cfg, const std::string& out_dir, const fs::path& log, int ranks = 1) {
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string out = "train.out_dir=" + out_dir, nproc = std::to_string(ranks);
    std::freopen(log.c_str(), "w", stdout);
    dup2(fileno(stdout), 2);
    const std::string bin = binary();
    if (ranks > 1) {
      execl(bin.c_str(), bin.c_str(), "launch", "--nproc", nproc.c_str(), "--threads-per-rank", "1", "--",
            "pretrain", cfg.c_str(), "--set", "dist.backend=gloo", "--set", "train.max_steps=100000", "--set",
            out.c_str(), static_cast<char*>(nullptr));
    } else {
      execl(bin.c_str(), bin.c_str(), "--threads", "1", "pretrain", cfg.c_str(), "--set",
            "train.max_steps=100000", "--set", out.c_str(), static_cast<char*>(nullptr));
    }
    _exit(127);
  }
  return pid;
}

// Waits until `log` holds a progress line of step >= 2 (the loop is running), up to 60 s.
bool wait_for_training(const fs::path& log) {
  for (int i = 0; i < 600; ++i) {
    const std::string text = read_bytes(log);
    if (text.find("step 2/") != std::string::npos || text.find("step 3/") != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// waitpid with a deadline; -1 when the process is still running after `seconds`.
int wait_exit_status(pid_t pid, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

}  // namespace

TEST_CASE("pretrain: SIGTERM writes a checkpoint and exits 0", "[cli][pretrain]") {
  const fs::path dir = scratch("sigterm");
  const std::string cfg = write_config(dir, (dir / "unused").string());
  const fs::path out_dir = dir / "run", log = dir / "log.txt";
  const pid_t pid = spawn_pretrain(cfg, out_dir.string(), log);
  REQUIRE(pid > 0);
  const bool running = wait_for_training(log);
  INFO(read_bytes(log));
  if (!running) kill(pid, SIGKILL);
  REQUIRE(running);
  kill(pid, SIGTERM);
  CHECK(wait_exit_status(pid, 60) == 0);
  const std::string text = read_bytes(log);
  INFO(text);
  CHECK(text.find("stopped by signal at step") != std::string::npos);
  REQUIRE(fs::is_symlink(out_dir / "checkpoint-last"));
  const fs::path last = fs::canonical(out_dir / "checkpoint-last");
  CHECK(fs::exists(last / "model.safetensors"));
  CHECK(fs::exists(last / "checkpoint.json"));
  // It stopped early, at the step it announced.
  const int64_t step = std::stoll(last.filename().string().substr(11));
  CHECK(step >= 2);
  CHECK(step < 100000);
  CHECK(text.find("stopped by signal at step " + std::to_string(step)) != std::string::npos);
}

TEST_CASE("pretrain: SIGTERM to `roberta launch` stops both ranks at one step, checkpointed", "[cli][pretrain][dist]") {
  const fs::path dir = scratch("sigterm_launch");
  const std::string cfg = write_config(dir, (dir / "unused").string());
  const fs::path out_dir = dir / "run", log = dir / "log.txt";
  const pid_t pid = spawn_pretrain(cfg, out_dir.string(), log, 2);
  REQUIRE(pid > 0);
  const bool running = wait_for_training(log);
  INFO(read_bytes(log));
  if (!running) kill(pid, SIGKILL);
  REQUIRE(running);
  kill(pid, SIGTERM);  // the launcher forwards it to each rank in turn
  CHECK(wait_exit_status(pid, 90) == 0);
  INFO(read_bytes(log));
  REQUIRE(fs::is_symlink(out_dir / "checkpoint-last"));
  CHECK(fs::exists(fs::canonical(out_dir / "checkpoint-last") / "model.safetensors"));
}

TEST_CASE("pretrain: a second signal exits at once with 130", "[cli][pretrain]") {
  const fs::path dir = scratch("sigterm_twice");
  const std::string cfg = write_config(dir, (dir / "unused").string());
  const fs::path log = dir / "log.txt";
  const pid_t pid = spawn_pretrain(cfg, (dir / "run").string(), log);
  REQUIRE(pid > 0);
  const bool running = wait_for_training(log);
  if (!running) kill(pid, SIGKILL);
  REQUIRE(running);
  // Two different signals, so the second is not merged with a still-pending first one.
  kill(pid, SIGTERM);
  kill(pid, SIGINT);
  CHECK(wait_exit_status(pid, 30) == 130);
}
