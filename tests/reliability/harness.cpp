// Process-level helpers for the reliability tests (see harness.h).
#include "tests/reliability/harness.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace roberta::reliability {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string binary() {
  const char* env = std::getenv("ROBERTA_BINARY");
  return env && *env ? env : ROBERTA_BINARY;
}

Process::Process(const std::vector<std::string>& args, const fs::path& cwd, const fs::path& log) : log_(log) {
  std::vector<std::string> argv = {binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0 || ::chdir(cwd.c_str()) != 0) _exit(127);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, 0);
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    ::execv(cargv[0], cargv.data());
    _exit(127);
  }
}

Process::~Process() {
  if (!reaped_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status_, 0);
  }
}

bool Process::running() {
  if (reaped_) return false;
  pid_t r = ::waitpid(pid_, &status_, WNOHANG);
  if (r == pid_) reaped_ = true;
  return !reaped_;
}

void Process::signal(int sig) {
  if (!reaped_) ::kill(pid_, sig);
}

int Process::wait(double timeout_s) {
  if (!wait_until([&] { return !running(); }, timeout_s)) return -1;
  if (WIFEXITED(status_)) return WEXITSTATUS(status_);
  if (WIFSIGNALED(status_)) return 128 + WTERMSIG(status_);
  return -1;
}

std::string Process::output() const { return read_text(log_); }

Result run(const std::vector<std::string>& args, const fs::path& cwd, double timeout_s) {
  static int counter = 0;
  const fs::path log = fs::temp_directory_path() /
                       ("roberta-rel-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".log");
  fs::remove(log);
  Result result;
  const auto start = Clock::now();
  {
    Process p(args, cwd, log);
    result.code = p.wait(timeout_s);
    result.output = p.output();
  }
  result.seconds = seconds_since(start);
  fs::remove(log);
  return result;
}

TempDir::TempDir(const std::string& tag) {
  std::string tmpl = (fs::temp_directory_path() / ("roberta-rel-" + tag + "-XXXXXX")).string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path, ec);
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const TrainInputs& train_inputs() {
  static TempDir dir("inputs");
  static TrainInputs inputs = [] {
    TrainInputs t;
    t.dir = dir.path;
    // The first 20 KB of the committed Brown fixture (corpus/ is fetched, not in a clean clone).
    std::ifstream in(std::string(ROBERTA_FIXTURES) + "/data/brown_sample.txt", std::ios::binary);
    std::string text(20000, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(in.gcount()));
    write_text(t.dir / "corpus.txt", text);
    Result tok = run({"tokenizer", "train", "--vocab-size", "300", "--input", "corpus.txt", "--output", "tok"}, t.dir);
    if (tok.code != 0) throw std::runtime_error("tokenizer train failed: " + tok.output);
    Result pre = run({"preprocess", "--quiet", "--input", "corpus.txt", "--output", "shards/train", "--tokenizer", "tok"}, t.dir);
    if (pre.code != 0) throw std::runtime_error("preprocess failed: " + pre.output);
    return t;
  }();
  return inputs;
}

std::string tiny_config(const fs::path& out_dir, int64_t max_steps, const std::string& extra_train) {
  const auto& in = train_inputs();
  std::ostringstream y;
  y << "preset: tiny\n"
    << "name: reliability\n"
    << "model: {layers: 1, hidden: 32, heads: 2, ffn: 64, vocab_size: 320}\n"
    << "tokenizer: {dir: " << (in.dir / "tok").string() << ", vocab_size: 300}\n"
    << "data: {shard_dir: " << (in.dir / "shards").string() << ", seq_len: 32, format: full_sentences, workers: 1}\n"
    << "batch: {sequences: 4, micro: 4}\n"
    << "schedule: {warmup_steps: 2}\n"
    << "train:\n"
    << "  max_steps: " << max_steps << "\n"
    << "  out_dir: " << out_dir.string() << "\n"
    << "  eval_every: 0\n"
    << "  device: cpu\n"
    << extra_train;
  return y.str();
}

std::vector<std::pair<int64_t, fs::path>> checkpoint_dirs(const fs::path& out_dir) {
  std::vector<std::pair<int64_t, fs::path>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(out_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("checkpoint-", 0) != 0 || entry.is_symlink()) continue;
    const std::string digits = name.substr(11);
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    found.emplace_back(std::stoll(digits), entry.path());
  }
  std::sort(found.begin(), found.end());
  return found;
}

bool can_mount_tmpfs(std::string& why) {
  if (::geteuid() != 0) {
    why = "not root";
    return false;
  }
  TempDir probe("mountprobe");
  if (::mount("tmpfs", probe.path.c_str(), "tmpfs", 0, "size=64k") != 0) {
    why = std::string("mount -t tmpfs refused: ") + std::strerror(errno);
    return false;
  }
  ::umount(probe.path.c_str());
  return true;
}

}  // namespace roberta::reliability
