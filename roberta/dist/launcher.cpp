// Forks the ranks, multiplexes their output line by line, and stops everyone on a failure.
#include "roberta/dist/launcher.h"

#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <algorithm>
#include <optional>

#include "util/error.h"

namespace roberta {
namespace {

volatile sig_atomic_t pending_signal = 0;  // a SIGINT/SIGTERM the launcher has to forward

void remember_signal(int signal_number) { pending_signal = signal_number; }

// The order in which ranks exited, as SIGCHLD reports it: when a dead rank makes another fail
// a millisecond later, both are often reaped in the same pass, and the first to die is the one
// to name.
constexpr int kMaxExits = 4096;
pid_t exit_order[kMaxExits];
volatile sig_atomic_t exit_count = 0;

void remember_exit(int, siginfo_t* info, void*) {
  int i = exit_count;
  if (i < kMaxExits) {
    exit_order[i] = info->si_pid;
    exit_count = i + 1;
  }
}

// Position of pid in the SIGCHLD order, or kMaxExits when its signal was merged with another.
int exit_position(pid_t pid) {
  for (int i = 0; i < exit_count; i++) {
    if (exit_order[i] == pid) return i;
  }
  return kMaxExits;
}

// One rank's child process and its two output pipes.
struct Rank {
  pid_t pid = -1;
  int fds[2] = {-1, -1};    // stdout, stderr read ends
  std::string partial[2];   // the unfinished last line of each stream
  bool exited = false;
  int status = 0;
};

void write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

// Reads what is available; prints every complete line with the rank prefix.
// Returns false at end of file.
// flush_at_would_block: the final drain, where "nothing more for now" counts as the end.
bool pump(Rank& rank, int stream, int rank_index, const int out_fds[2], bool flush_at_would_block = false) {
  char buffer[65536];
  ssize_t n = ::read(rank.fds[stream], buffer, sizeof(buffer));
  if (n < 0 && errno == EINTR) return true;
  if (n < 0 && errno == EAGAIN && !flush_at_would_block) return true;
  int out = out_fds[stream];
  std::string& partial = rank.partial[stream];
  if (n <= 0) {
    if (!partial.empty()) write_all(out, fmt::format("[rank {}] {}\n", rank_index, partial));
    partial.clear();
    return false;
  }
  partial.append(buffer, static_cast<size_t>(n));
  std::string text;
  size_t start = 0;
  for (size_t newline; (newline = partial.find('\n', start)) != std::string::npos; start = newline + 1) {
    text += fmt::format("[rank {}] ", rank_index);
    text.append(partial, start, newline + 1 - start);
  }
  partial.erase(0, start);
  if (!text.empty()) write_all(out, text);
  return true;
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return fmt::format("was killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  }
  return "stopped";
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

pid_t spawn_rank(const LaunchOptions& options, int rank, int port, int out_pipe[2], int err_pipe[2]) {
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid != 0) return pid;
  // Child: its own process group, so a terminal's Ctrl-C reaches only the launcher, which
  // forwards it once; and it dies with the launcher instead of becoming an orphan.
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);
  dup2(out_pipe[1], STDOUT_FILENO);
  dup2(err_pipe[1], STDERR_FILENO);
  close(out_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[0]);
  close(err_pipe[1]);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  std::string rank_text = std::to_string(rank), world = std::to_string(options.nproc);
  std::string port_text = std::to_string(port);
  setenv("RANK", rank_text.c_str(), 1);
  setenv("LOCAL_RANK", rank_text.c_str(), 1);
  setenv("WORLD_SIZE", world.c_str(), 1);
  setenv("LOCAL_WORLD_SIZE", world.c_str(), 1);
  setenv("MASTER_ADDR", "127.0.0.1", 1);
  setenv("MASTER_PORT", port_text.c_str(), 1);
  std::vector<char*> args;
  for (const auto& arg : options.argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  fmt::print(stderr, "launch: cannot run {}: {}\n", options.argv[0], std::strerror(errno));
  _exit(127);
}

}  // namespace

int find_free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) fail("launch: cannot open a socket to find a free port: {}", std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(fd);
    fail("launch: cannot bind 127.0.0.1:0 to find a free port: {}", std::strerror(errno));
  }
  close(fd);
  return ntohs(address.sin_port);
}

int launch_local(const LaunchOptions& options) {
  if (options.nproc < 1) fail("launch --nproc: expected at least 1, found {}", options.nproc);
  if (options.argv.empty()) fail("launch: expected a command after --, found nothing");
  int port = options.master_port > 0 ? options.master_port : find_free_port();
  const int out_fds[2] = {options.stdout_fd, options.stderr_fd};
  auto say = [&](const std::string& text) { write_all(options.stderr_fd, "launch: " + text + "\n"); };

  struct sigaction action {};
  action.sa_handler = remember_signal;
  sigemptyset(&action.sa_mask);
  struct sigaction old_int {}, old_term {};
  pending_signal = 0;
  sigaction(SIGINT, &action, &old_int);
  sigaction(SIGTERM, &action, &old_term);
  struct sigaction child_action {}, old_child {};
  child_action.sa_sigaction = remember_exit;
  child_action.sa_flags = SA_SIGINFO | SA_NOCLDSTOP | SA_RESTART;
  sigemptyset(&child_action.sa_mask);
  exit_count = 0;
  sigaction(SIGCHLD, &child_action, &old_child);

  std::vector<Rank> ranks(static_cast<size_t>(options.nproc));
  // A rank that cannot be started (no file descriptors, no processes left) ends the launch, and
  // the ranks already started go with it: left alone they would wait for the missing rank at the
  // rendezvous until dist.timeout_s.
  auto abandon = [&](int started, const std::string& why) {
    for (int i = 0; i < started; i++) {
      kill(ranks[i].pid, SIGKILL);
      waitpid(ranks[i].pid, nullptr, 0);
      close(ranks[i].fds[0]);
      close(ranks[i].fds[1]);
    }
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
    sigaction(SIGCHLD, &old_child, nullptr);
    fail("launch: {}; the {} rank(s) already started were stopped", why, started);
  };
  for (int r = 0; r < options.nproc; r++) {
    int out_pipe[2], err_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0) {
      abandon(r, fmt::format("cannot create pipes for rank {}: {}", r, std::strerror(errno)));
    }
    if (pipe2(err_pipe, O_CLOEXEC) != 0) {
      const int error = errno;
      close(out_pipe[0]);
      close(out_pipe[1]);
      abandon(r, fmt::format("cannot create pipes for rank {}: {}", r, std::strerror(error)));
    }
    ranks[r].pid = spawn_rank(options, r, port, out_pipe, err_pipe);
    const int fork_error = errno;
    close(out_pipe[1]);
    close(err_pipe[1]);
    ranks[r].fds[0] = out_pipe[0];
    ranks[r].fds[1] = err_pipe[0];
    if (ranks[r].pid < 0) {
      close(out_pipe[0]);
      close(err_pipe[0]);
      abandon(r, fmt::format("fork for rank {} failed: {}", r, std::strerror(fork_error)));
    }
  }
  say(fmt::format("{} ranks, rendezvous 127.0.0.1:{}", options.nproc, port));

  using Clock = std::chrono::steady_clock;
  std::optional<int> failed_rank;           // the first rank that failed
  std::optional<Clock::time_point> kill_at; // when still-running ranks get SIGKILL
  std::optional<Clock::time_point> all_exited_at;
  auto signal_all = [&](int signal_number) {
    for (auto& rank : ranks) {
      if (!rank.exited) kill(rank.pid, signal_number);
    }
  };

  while (true) {
    // Output first, so the last lines of a failing rank appear before the launcher's verdict.
    std::vector<pollfd> polls;
    std::vector<std::pair<int, int>> owners;  // (rank, stream) of each poll entry
    for (int r = 0; r < options.nproc; r++) {
      for (int s = 0; s < 2; s++) {
        if (ranks[r].fds[s] >= 0) {
          polls.push_back({ranks[r].fds[s], POLLIN, 0});
          owners.emplace_back(r, s);
        }
      }
    }
    if (!polls.empty()) {
      int ready = poll(polls.data(), polls.size(), 100);
      for (size_t i = 0; ready > 0 && i < polls.size(); i++) {
        if (polls[i].revents == 0) continue;
        auto [r, s] = owners[i];
        if (!pump(ranks[r], s, r, out_fds)) {
          close(ranks[r].fds[s]);
          ranks[r].fds[s] = -1;
        }
      }
    } else {
      usleep(20000);
    }

    if (pending_signal != 0) {
      int signal_number = pending_signal;
      pending_signal = 0;
      say(fmt::format("forwarding signal {} to the ranks", signal_number));
      signal_all(signal_number);
    }

    std::vector<int> newly_exited;
    for (int r = 0; r < options.nproc; r++) {
      Rank& rank = ranks[r];
      if (rank.exited) continue;
      int status = 0;
      if (waitpid(rank.pid, &status, WNOHANG) == rank.pid) {
        rank.exited = true;
        rank.status = status;
        newly_exited.push_back(r);
      }
    }
    std::stable_sort(newly_exited.begin(), newly_exited.end(),
                     [&](int a, int b) { return exit_position(ranks[a].pid) < exit_position(ranks[b].pid); });
    for (int r : newly_exited) {
      int status = ranks[r].status;
      bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      if (!ok && !failed_rank) {
        failed_rank = r;
        say(fmt::format("rank {} {}; stopping the other ranks", r, describe_status(status)));
        signal_all(SIGTERM);
        kill_at = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(options.grace_s * 1000));
      }
    }
    bool all_exited = true;
    for (const auto& rank : ranks) all_exited = all_exited && rank.exited;
    if (kill_at && Clock::now() >= *kill_at) {
      signal_all(SIGKILL);
      kill_at.reset();
    }
    bool pipes_open = false;
    for (const auto& rank : ranks) pipes_open = pipes_open || rank.fds[0] >= 0 || rank.fds[1] >= 0;
    // A rank's own children could hold its pipes open: a second after the last rank exited,
    // stop waiting for them.
    if (all_exited && !all_exited_at) all_exited_at = Clock::now();
    if (all_exited && (!pipes_open || Clock::now() - *all_exited_at > std::chrono::seconds(1))) break;
  }
  for (int r = 0; r < options.nproc; r++) {
    for (int s = 0; s < 2; s++) {
      int fd = ranks[r].fds[s];
      if (fd < 0) continue;
      fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
      while (pump(ranks[r], s, r, out_fds, /*flush_at_would_block=*/true)) {
      }
      close(fd);
    }
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  sigaction(SIGCHLD, &old_child, nullptr);

  if (failed_rank) {
    int status = ranks[*failed_rank].status;
    std::string others;
    for (int r = 0; r < options.nproc; r++) {
      if (r != *failed_rank) others += fmt::format("; rank {} {}", r, describe_status(ranks[r].status));
    }
    say(fmt::format("failed: rank {} {} (the first of {} ranks to fail){}", *failed_rank,
                    describe_status(status), options.nproc, others));
    int code = exit_code_of(status);
    return code == 0 ? 1 : code;
  }
  return 0;
}

}  // namespace roberta
