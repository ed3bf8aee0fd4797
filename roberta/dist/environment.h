// Where this process sits in a multi-process job: rank, world size, local rank and the
// rendezvous address, read from the variables that torchrun, SLURM (srun), Open MPI (mpirun)
// or `roberta launch` set. Nothing set means a single process.
#pragma once

#include <functional>
#include <string>

namespace roberta {

struct DistEnvironment {
  int rank = 0;                          // global rank, 0 .. world_size-1
  int world_size = 1;                    // number of processes in the job
  int local_rank = 0;                    // rank on this node (picks the GPU); -1 when a
                                         // multi-process launcher did not say (no LOCAL_RANK)
  std::string master_addr = "127.0.0.1"; // host of rank 0, where the TCPStore listens
  int master_port = 29500;               // port of the TCPStore
  std::string source = "none";           // which launcher set it: torchrun | slurm | openmpi | none
};

// Returns the value of a variable or nullptr (std::getenv by default; tests pass a fake).
using EnvLookup = std::function<const char*(const char*)>;

// Precedence: torchrun's RANK + WORLD_SIZE, then SLURM_PROCID + SLURM_NTASKS, then
// OMPI_COMM_WORLD_RANK + OMPI_COMM_WORLD_SIZE, else a single process. Malformed or
// inconsistent values throw roberta::Error naming the variable.
// Under SLURM rank 0 runs on the first node of the step (srun's block distribution), so the
// rendezvous host is MASTER_ADDR, else the first host of SLURM_STEP_NODELIST /
// SLURM_JOB_NODELIST / SLURM_NODELIST; never SLURM_LAUNCH_NODE_IPADDR, which is wherever srun
// was typed (often a login node). The port is MASTER_PORT, else 15000 + (SLURM_JOB_ID + 1009 x
// SLURM_STEP_ID) mod 10000, so two jobs (or two steps of one job) sharing a node do not meet
// on one port.
DistEnvironment read_dist_environment(const EnvLookup& lookup = {});

// First host of a SLURM node list: "gpu[012-015,20],cpu1" -> "gpu012".
std::string first_slurm_host(const std::string& nodelist);

}  // namespace roberta
