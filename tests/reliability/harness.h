// Process-level helpers for the reliability tests: they drive the built `roberta` binary the
// way a user or a cluster scheduler does (spawn, signal, kill -9, fill the disk) and look at
// exit codes, messages and what is left on disk.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace roberta::reliability {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start);

// The `roberta` binary under test ($ROBERTA_BINARY, else the build's).
std::string binary();

// A child process with stdout and stderr going to one log file.
class Process {
 public:
  // Starts `roberta args...` in working directory cwd (output appended to log).
  Process(const std::vector<std::string>& args, const fs::path& cwd, const fs::path& log);
  ~Process();  // SIGKILLs and reaps a child still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // Waits up to timeout_s; returns the exit code, 128 + signal for a signal death, or -1 on
  // timeout (the child keeps running).
  int wait(double timeout_s);
  std::string output() const;  // the log so far

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  fs::path log_;
};

struct Result {
  int code = -1;       // exit code (128 + signal when killed)
  std::string output;  // stdout + stderr
  double seconds = 0;
};

// Runs `roberta args...` to completion (killed after timeout_s, code -1).
Result run(const std::vector<std::string>& args, const fs::path& cwd, double timeout_s = 120);

// A fresh temporary directory, removed at scope exit.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& tag);
  ~TempDir();
};

// The shared inputs of the training tests, made once per test process with the CLI itself
// (`roberta tokenizer train`, `roberta preprocess`): a 300-token BPE vocabulary trained on a
// slice of the bundled corpus and its token shards.
struct TrainInputs {
  fs::path dir;        // holds corpus.txt, tok/, shards/train
};
const TrainInputs& train_inputs();

// A tiny pretraining config (1 layer, hidden 32, 4-sequence batches of 32 tokens: about a
// millisecond per update, so runs are dominated by checkpoint writing) reading train_inputs().
// extra: YAML lines appended under `train:` (indented by the caller: "  key: value").
std::string tiny_config(const fs::path& out_dir, int64_t max_steps, const std::string& extra_train = "");

void write_text(const fs::path& path, const std::string& text);
std::string read_text(const fs::path& path);
// Polls until pred() holds or timeout_s passes; returns pred()'s last value.
template <typename Pred>
bool wait_until(Pred pred, double timeout_s);

// checkpoint-N directories (real names only, not *.tmp-* / *.old-*) of a run directory, by step.
std::vector<std::pair<int64_t, fs::path>> checkpoint_dirs(const fs::path& out_dir);
// Opens a checkpoint with CheckpointReader::open (every checksum verified); "" when intact,
// else the Error's message.
std::string verify_checkpoint(const fs::path& dir);

// Root and allowed to mount (tmpfs tests); false with the reason in `why` otherwise.
bool can_mount_tmpfs(std::string& why);

}  // namespace roberta::reliability

#include "tests/reliability/harness_inl.h"
