// Faults while a run writes checkpoints: kill -9 at random moments, SIGTERM/SIGINT, a second
// signal, and a full disk. The invariant everywhere: every checkpoint under its real name
// verifies (sizes, CRC-32C), and `--resume` continues from the newest one.
#include "tests/catch.h"

#include <signal.h>
#include <sys/mount.h>

#include <cstring>
#include <fstream>
#include <random>
#include <thread>
#include <regex>
#include <set>

#include "tests/reliability/harness.h"

using namespace roberta::reliability;

namespace {

// The step a run resumed at ("... | resumed at step N"), or -1.
int64_t resumed_step(const std::string& output) {
  std::smatch m;
  if (std::regex_search(output, m, std::regex("resumed at step ([0-9]+)"))) return std::stoll(m[1]);
  return -1;
}

// Every checkpoint under its real name verifies; returns the newest step (-1 if none).
int64_t check_all_intact(const fs::path& out_dir) {
  int64_t newest = -1;
  for (const auto& [step, dir] : checkpoint_dirs(out_dir)) {
    INFO("checkpoint " << dir);
    CHECK(verify_checkpoint(dir) == "");
    newest = step;
  }
  return newest;
}

}  // namespace

TEST_CASE("kill -9 at random moments while checkpointing every update: the newest checkpoint "
          "verifies and --resume continues from it", "[reliability][faults]") {
  TempDir dir("kill9");
  const fs::path out = dir.path / "run";
  // save_every 1 with a tiny model: most of the wall time is spent writing checkpoints, so a
  // random kill lands inside a save most of the time (counted below by the temp dirs left).
  write_text(dir.path / "exp.yaml", tiny_config(out, 100000, "  save_every: 1\n  keep_last: 2\n  log_every: 50\n"));
  std::mt19937 rng(20261125);
  std::uniform_int_distribution<int> delay_ms(0, 1500);
  const int trials = 10;
  int mid_save = 0, resumed_ok = 0;
  int64_t previous_newest = -1;
  std::set<std::string> temp_dirs_seen;  // a kill inside a save leaves a new one
  for (int trial = 0; trial < trials; ++trial) {
    const fs::path log = dir.path / ("trial" + std::to_string(trial) + ".log");
    std::vector<std::string> args = {"--threads", "1", "pretrain", "exp.yaml"};
    if (trial > 0) args.push_back("--resume");
    Process p(args, dir.path, log);
    // Wait until this process has committed a checkpoint of its own (a step past the previous
    // trial's newest), then kill it at a random moment.
    REQUIRE(wait_until([&] {
      auto all = checkpoint_dirs(out);
      return (!all.empty() && all.back().first > previous_newest) || !p.running();
    }, 120));
    REQUIRE(p.running());
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    p.signal(SIGKILL);
    REQUIRE(p.wait(10) == 128 + SIGKILL);
    const std::string output = p.output();
    if (trial > 0) {
      INFO(output);
      CHECK(resumed_step(output) == previous_newest);
      if (resumed_step(output) == previous_newest) ++resumed_ok;
    }
    for (const auto& entry : fs::directory_iterator(out)) {
      const std::string name = entry.path().filename().string();
      if (name.find(".tmp-") != std::string::npos && temp_dirs_seen.insert(name).second) ++mid_save;
    }
    const int64_t newest = check_all_intact(out);
    REQUIRE(newest > previous_newest);
    // checkpoint-last names a committed checkpoint (it is swapped after the commit).
    const fs::path last = out / "checkpoint-last";
    CHECK(verify_checkpoint(last) == "");
    previous_newest = newest;
  }
  // Finally a resumed run finishes normally from the newest checkpoint.
  write_text(dir.path / "exp.yaml",
             tiny_config(out, previous_newest + 3, "  save_every: 1\n  keep_last: 2\n  log_every: 50\n"));
  Result done = run({"--threads", "1", "pretrain", "exp.yaml", "--resume"}, dir.path);
  INFO(done.output);
  CHECK(done.code == 0);
  CHECK(resumed_step(done.output) == previous_newest);
  CHECK(check_all_intact(out) == previous_newest + 3);
  WARN("kill -9: " << trials << " trials, " << resumed_ok << "/" << trials - 1
                   << " resumed at the newest checkpoint, " << mid_save
                   << " killed with a checkpoint half-written (temp dir left, never under the real name)");
}

TEST_CASE("SIGTERM / SIGINT: a checkpoint is written and the run exits 0 promptly, a second "
          "signal exits at once with 130", "[reliability][faults]") {
  TempDir dir("sigterm");
  const fs::path out = dir.path / "run";
  write_text(dir.path / "exp.yaml", tiny_config(out, 100000, "  save_every: 0\n  log_every: 1\n"));
  for (int sig : {SIGTERM, SIGINT}) {
    DYNAMIC_SECTION("signal " << sig) {
      fs::remove_all(out);
      Process p({"--threads", "1", "pretrain", "exp.yaml"}, dir.path, dir.path / "sig.log");
      // Training has started once a progress line is out (the handlers are installed before).
      REQUIRE(wait_until([&] { return p.output().find("step 2/") != std::string::npos || !p.running(); }, 120));
      REQUIRE(p.running());
      const auto start = Clock::now();
      p.signal(sig);
      const int code = p.wait(30);
      const double seconds = seconds_since(start);
      INFO(p.output());
      CHECK(code == 0);
      CHECK(seconds < 30);
      std::smatch m;
      const std::string output = p.output();
      REQUIRE(std::regex_search(output, m, std::regex("stopped by signal at step ([0-9]+)")));
      const int64_t step = std::stoll(m[1]);
      auto all = checkpoint_dirs(out);
      REQUIRE(!all.empty());
      CHECK(all.back().first == step);
      CHECK(verify_checkpoint(all.back().second) == "");
      WARN("signal " << sig << ": checkpoint at step " << step << " written, exit 0 after " << seconds << " s");
      fs::remove(dir.path / "sig.log");
    }
  }
  SECTION("a second signal exits at once") {
    fs::remove_all(out);
    Process p({"--threads", "1", "pretrain", "exp.yaml"}, dir.path, dir.path / "sig2.log");
    REQUIRE(wait_until([&] { return p.output().find("step 2/") != std::string::npos || !p.running(); }, 120));
    REQUIRE(p.running());
    const auto start = Clock::now();
    // Two different signals: a second SIGTERM could merge with a first one still pending.
    p.signal(SIGTERM);
    p.signal(SIGINT);
    const int code = p.wait(10);
    INFO(p.output());
    CHECK(code == 130);
    CHECK(seconds_since(start) < 5);
    WARN("second signal: exit " << code << " after " << seconds_since(start) << " s");
  }
}

TEST_CASE("disk full while saving a checkpoint: a clear error, nothing half-written under a "
          "real name, the previous checkpoint intact", "[reliability][faults][root]") {
  std::string why;
  if (!can_mount_tmpfs(why)) {
    ROBERTA_SKIP("disk-full test: " << why);
  }
  TempDir dir("diskfull");
  const fs::path mnt = dir.path / "mnt";
  fs::create_directories(mnt);
  REQUIRE(::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=4m") == 0);
  struct Unmount {
    fs::path p;
    ~Unmount() { ::umount2(p.c_str(), MNT_DETACH); }
  } unmount{mnt};
  const fs::path out = mnt / "run";
  write_text(dir.path / "exp.yaml", tiny_config(out, 2, "  save_every: 1\n  keep_last: 0\n"));
  Result first = run({"--threads", "1", "pretrain", "exp.yaml"}, dir.path);
  INFO(first.output);
  REQUIRE(first.code == 0);
  REQUIRE(verify_checkpoint(out / "checkpoint-2") == "");
  // Fill the file system, leaving a little room: a checkpoint (about 100 KB here) starts
  // writing and runs out of space part way.
  {
    std::ofstream filler(mnt / "filler", std::ios::binary);
    std::string block(4096, 'x');
    while (filler.write(block.data(), block.size())) {
    }
  }
  fs::resize_file(mnt / "filler", fs::file_size(mnt / "filler") - 20 * 1024);
  write_text(dir.path / "exp.yaml", tiny_config(out, 4, "  save_every: 1\n  keep_last: 0\n"));
  Result full = run({"--threads", "1", "pretrain", "exp.yaml", "--resume"}, dir.path);
  INFO(full.output);
  CHECK(full.code != 0);
  CHECK(full.code < 128);  // an error exit, not a crash
  CHECK_THAT(full.output, Catch::Matchers::ContainsSubstring("error:"));
  CHECK_THAT(full.output, Catch::Matchers::ContainsSubstring("No space left on device") || Catch::Matchers::ContainsSubstring("disk full"));
  CHECK_THAT(full.output, !Catch::Matchers::ContainsSubstring("terminate called"));
  // Only committed checkpoints under real names, the previous one intact; no temp dir left.
  for (const auto& [step, path] : checkpoint_dirs(out)) CHECK(verify_checkpoint(path) == "");
  CHECK(checkpoint_dirs(out).back().first == 2);
  CHECK(verify_checkpoint(out / "checkpoint-last") == "");
  for (const auto& entry : fs::directory_iterator(out)) {
    CHECK(entry.path().filename().string().find(".tmp-") == std::string::npos);
  }
}

TEST_CASE("disk full while preprocessing: a clear error and no manifest under the real name",
          "[reliability][faults][root]") {
  std::string why;
  if (!can_mount_tmpfs(why)) {
    ROBERTA_SKIP("disk-full test: " << why);
  }
  TempDir dir("prefull");
  const fs::path mnt = dir.path / "mnt";
  fs::create_directories(mnt);
  // 16 KB of room: the ~26 KB shard of the 13K-token corpus cannot fit.
  REQUIRE(::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=16k") == 0);
  struct Unmount {
    fs::path p;
    ~Unmount() { ::umount2(p.c_str(), MNT_DETACH); }
  } unmount{mnt};
  const auto& in = train_inputs();
  Result r = run({"preprocess", "--quiet", "--input", (in.dir / "corpus.txt").string(), "--output",
                  (mnt / "shards").string(), "--tokenizer", (in.dir / "tok").string()}, dir.path);
  INFO(r.output);
  CHECK(r.code != 0);
  CHECK(r.code < 128);
  CHECK_THAT(r.output, Catch::Matchers::ContainsSubstring("error:"));
  CHECK_THAT(r.output, Catch::Matchers::ContainsSubstring("No space left on device") || Catch::Matchers::ContainsSubstring("disk full"));
  CHECK(!fs::exists(mnt / "shards" / "dataset.json"));
  // A shard under its real name must be complete: its size must match its header's counts
  // (layout of data/shards.h: 64-byte header, (S+1) + (D+1) uint64 offsets, padded tokens).
  for (const auto& entry : fs::recursive_directory_iterator(mnt)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("shard-", 0) != 0 || entry.path().extension() != ".bin") continue;
    const std::string bytes = read_text(entry.path());
    REQUIRE(bytes.size() >= 64);
    uint32_t dtype;
    uint64_t tokens, sentences, documents;
    std::memcpy(&dtype, bytes.data() + 12, 4);
    std::memcpy(&tokens, bytes.data() + 16, 8);
    std::memcpy(&sentences, bytes.data() + 24, 8);
    std::memcpy(&documents, bytes.data() + 32, 8);
    const uint64_t token_bytes = (tokens * dtype + 7) / 8 * 8;
    INFO(entry.path());
    CHECK(bytes.size() == 64 + (sentences + 1) * 8 + (documents + 1) * 8 + token_bytes);
  }
}
