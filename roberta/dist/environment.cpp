// Reading rank, world size and rendezvous from the launcher's environment variables.
#include "roberta/dist/environment.h"

#include <cerrno>
#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <cstdint>
#include <string>

#include "util/error.h"

namespace roberta {
namespace {

std::string lookup_string(const EnvLookup& lookup, const char* name) {
  const char* value = lookup(name);
  return value == nullptr ? std::string() : std::string(value);
}

bool has(const EnvLookup& lookup, const char* name) {
  const char* value = lookup(name);
  return value != nullptr && value[0] != '\0';
}

// A whole decimal number in [min_value, max_value], else an Error naming the variable.
int parse_int(const EnvLookup& lookup, const char* name, long min_value, long max_value) {
  std::string text = lookup_string(lookup, name);
  errno = 0;
  char* end = nullptr;
  long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || end == nullptr || *end != '\0' || errno != 0 || value < min_value ||
      value > max_value) {
    fail("environment variable {}: expected an integer in [{}, {}], found '{}'", name, min_value,
         max_value, text);
  }
  return static_cast<int>(value);
}

// A whole non-negative decimal number of up to 64 bits, else an Error naming the variable.
uint64_t parse_uint64(const EnvLookup& lookup, const char* name) {
  std::string text = lookup_string(lookup, name);
  errno = 0;
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || text[0] == '-' || end == nullptr || *end != '\0' || errno != 0) {
    fail("environment variable {}: expected a non-negative integer, found '{}'", name, text);
  }
  return static_cast<uint64_t>(value);
}

void check_rank(const DistEnvironment& env, const char* rank_name, const char* size_name) {
  if (env.rank >= env.world_size) {
    fail("environment variable {}: expected a rank below {}={}, found {}", rank_name, size_name,
         env.world_size, env.rank);
  }
}

// MASTER_PORT when set, else the torchrun default.
int master_port(const EnvLookup& lookup) {
  return has(lookup, "MASTER_PORT") ? parse_int(lookup, "MASTER_PORT", 1, 65535) : 29500;
}

// The rank on this node from `name`; when the launcher did not set it in a multi-process job,
// -1 (unknown): only a CUDA run needs it, and resolve_device says so then.
int local_rank(const EnvLookup& lookup, const char* name, int world_size) {
  if (has(lookup, name)) return parse_int(lookup, name, 0, 1 << 20);
  return world_size > 1 ? -1 : 0;
}

}  // namespace

std::string first_slurm_host(const std::string& nodelist) {
  // Cut at the first comma outside brackets, then expand the first item of each bracket.
  std::string host;
  int depth = 0;
  bool in_first_item = true;  // inside a bracket: still copying its first number
  for (char c : nodelist) {
    if (c == '[') {
      depth++;
      in_first_item = true;
    } else if (c == ']') {
      depth--;
    } else if (depth > 0) {
      if (c == ',' || c == '-') in_first_item = false;
      else if (in_first_item) host += c;
    } else if (c == ',') {
      break;
    } else {
      host += c;
    }
  }
  return host;
}

DistEnvironment read_dist_environment(const EnvLookup& lookup_arg) {
  EnvLookup lookup = lookup_arg ? lookup_arg : EnvLookup([](const char* name) {
    return static_cast<const char*>(std::getenv(name));
  });
  DistEnvironment env;
  if (has(lookup, "RANK") && has(lookup, "WORLD_SIZE")) {
    env.source = "torchrun";
    env.world_size = parse_int(lookup, "WORLD_SIZE", 1, 1 << 20);
    env.rank = parse_int(lookup, "RANK", 0, 1 << 20);
    check_rank(env, "RANK", "WORLD_SIZE");
    env.local_rank = local_rank(lookup, "LOCAL_RANK", env.world_size);
    if (has(lookup, "MASTER_ADDR")) env.master_addr = lookup_string(lookup, "MASTER_ADDR");
    else if (env.world_size > 1) fail("environment variable MASTER_ADDR: expected the host of rank 0 (RANK and WORLD_SIZE are set), found nothing");
    env.master_port = master_port(lookup);
  } else if (has(lookup, "SLURM_PROCID") && has(lookup, "SLURM_NTASKS")) {
    env.source = "slurm";
    // Inside srun the step's task count is the job's size; SLURM_NTASKS is the allocation's.
    const char* size_name = has(lookup, "SLURM_STEP_NUM_TASKS") ? "SLURM_STEP_NUM_TASKS" : "SLURM_NTASKS";
    env.world_size = parse_int(lookup, size_name, 1, 1 << 20);
    env.rank = parse_int(lookup, "SLURM_PROCID", 0, 1 << 20);
    check_rank(env, "SLURM_PROCID", size_name);
    env.local_rank = local_rank(lookup, "SLURM_LOCALID", env.world_size);
    // An explicit MASTER_ADDR wins; else the first node of the step, where task 0 runs.
    const char* lists[] = {"SLURM_STEP_NODELIST", "SLURM_JOB_NODELIST", "SLURM_NODELIST"};
    if (has(lookup, "MASTER_ADDR")) {
      env.master_addr = lookup_string(lookup, "MASTER_ADDR");
    } else if (auto list = std::find_if(std::begin(lists), std::end(lists), [&](const char* n) { return has(lookup, n); });
               list != std::end(lists)) {
      env.master_addr = first_slurm_host(lookup_string(lookup, *list));
    } else if (env.world_size > 1) {
      fail("SLURM environment: expected MASTER_ADDR or SLURM_STEP_NODELIST / SLURM_JOB_NODELIST to find "
           "rank 0's host, found none");
    }
    if (has(lookup, "MASTER_PORT") || !has(lookup, "SLURM_JOB_ID")) {
      env.master_port = master_port(lookup);
    } else {
      // Federated job ids carry the cluster id in their high bits: 64-bit.
      const uint64_t job = parse_uint64(lookup, "SLURM_JOB_ID");
      const uint64_t step = has(lookup, "SLURM_STEP_ID") ? parse_uint64(lookup, "SLURM_STEP_ID") : 0;
      env.master_port = 15000 + static_cast<int>((job + 1009 * step) % 10000);
    }
  } else if (has(lookup, "OMPI_COMM_WORLD_RANK") && has(lookup, "OMPI_COMM_WORLD_SIZE")) {
    env.source = "openmpi";
    env.world_size = parse_int(lookup, "OMPI_COMM_WORLD_SIZE", 1, 1 << 20);
    env.rank = parse_int(lookup, "OMPI_COMM_WORLD_RANK", 0, 1 << 20);
    check_rank(env, "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE");
    env.local_rank = local_rank(lookup, "OMPI_COMM_WORLD_LOCAL_RANK", env.world_size);
    // Open MPI says nothing about a rendezvous host: mpirun -x MASTER_ADDR=... supplies it.
    if (has(lookup, "MASTER_ADDR")) env.master_addr = lookup_string(lookup, "MASTER_ADDR");
    else if (env.world_size > 1) fail("Open MPI environment: expected MASTER_ADDR (e.g. mpirun -x MASTER_ADDR=host0), found nothing");
    env.master_port = master_port(lookup);
  }
  return env;
}

}  // namespace roberta
