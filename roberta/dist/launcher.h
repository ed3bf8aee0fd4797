// `roberta launch`: runs N local ranks of a command, the way torchrun does on one node.
// Each child gets RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR=127.0.0.1 and
// MASTER_PORT; its stdout/stderr lines come out prefixed with "[rank K] ". When a rank fails,
// the others get SIGTERM, then SIGKILL after a grace period, and the launch fails naming the
// rank. SIGINT/SIGTERM sent to the launcher are forwarded to every rank.
#pragma once

#include <string>
#include <vector>

namespace roberta {

struct LaunchOptions {
  int nproc = 1;                  // number of local ranks
  int master_port = 0;            // rendezvous port; 0 = pick a free one
  std::vector<std::string> argv;  // program and its arguments, run once per rank
  double grace_s = 10.0;          // after a rank failed: SIGTERM, then SIGKILL after this
  int stdout_fd = 1;              // where the ranks' prefixed stdout goes
  int stderr_fd = 2;              // where their stderr and the launcher's messages go
};

// Runs the ranks to completion. Returns 0 when every rank exited 0, else the failed rank's
// exit status (128 + signal when it was killed), never 0. Progress and the failure message
// go to stderr as "launch: ...".
int launch_local(const LaunchOptions& options);

// A TCP port on 127.0.0.1 that nothing listens on right now.
int find_free_port();

}  // namespace roberta
