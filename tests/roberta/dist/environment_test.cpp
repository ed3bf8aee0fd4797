// Rank/world/rendezvous from fake torchrun, SLURM, Open MPI and empty environments.
#include "tests/catch.h"

#include <map>
#include <string>

#include "roberta/dist/environment.h"
#include "util/error.h"

using roberta::DistEnvironment;
using roberta::read_dist_environment;

namespace {

DistEnvironment read(const std::map<std::string, std::string>& vars) {
  return read_dist_environment([&vars](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

}  // namespace

TEST_CASE("no launcher variables: a single process", "[dist]") {
  auto env = read({{"PATH", "/usr/bin"}});
  CHECK(env.rank == 0);
  CHECK(env.world_size == 1);
  CHECK(env.local_rank == 0);
  CHECK(env.source == "none");
}

TEST_CASE("torchrun variables", "[dist]") {
  auto env = read({{"RANK", "5"}, {"WORLD_SIZE", "16"}, {"LOCAL_RANK", "1"}, {"MASTER_ADDR", "node7"},
                   {"MASTER_PORT", "1234"},
                   // torchrun wins over a surrounding SLURM allocation
                   {"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}});
  CHECK(env.source == "torchrun");
  CHECK(env.rank == 5);
  CHECK(env.world_size == 16);
  CHECK(env.local_rank == 1);
  CHECK(env.master_addr == "node7");
  CHECK(env.master_port == 1234);
}

TEST_CASE("torchrun variables: malformed values name the variable", "[dist]") {
  auto message = [](const std::map<std::string, std::string>& vars) {
    try {
      read(vars);
    } catch (const roberta::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(message({{"RANK", "x1"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}}), Catch::Matchers::ContainsSubstring("RANK") && Catch::Matchers::ContainsSubstring("'x1'"));
  CHECK_THAT(message({{"RANK", "2"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}}), Catch::Matchers::ContainsSubstring("RANK") && Catch::Matchers::ContainsSubstring("below WORLD_SIZE=2"));
  CHECK_THAT(message({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "70000"}}), Catch::Matchers::ContainsSubstring("MASTER_PORT") && Catch::Matchers::ContainsSubstring("70000"));
  CHECK_THAT(message({{"RANK", "0"}, {"WORLD_SIZE", "2"}}), Catch::Matchers::ContainsSubstring("MASTER_ADDR"));
}

TEST_CASE("SLURM variables", "[dist]") {
  auto env = read({{"SLURM_PROCID", "3"}, {"SLURM_NTASKS", "8"}, {"SLURM_LOCALID", "3"},
                   {"SLURM_NODELIST", "gpu[012-015,20],cpu1"}});
  CHECK(env.source == "slurm");
  CHECK(env.rank == 3);
  CHECK(env.world_size == 8);
  CHECK(env.local_rank == 3);
  CHECK(env.master_addr == "gpu012");
  CHECK(env.master_port == 29500);
  // An explicit MASTER_ADDR / MASTER_PORT wins.
  auto explicit_env = read({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}, {"SLURM_JOB_NODELIST", "a[1-2]"},
                            {"MASTER_ADDR", "m"}, {"MASTER_PORT", "4000"}, {"SLURM_JOB_ID", "77"}});
  CHECK(explicit_env.master_addr == "m");
  CHECK(explicit_env.master_port == 4000);
  // the step's task count (srun) is the job size, not the allocation's
  CHECK(read({{"SLURM_PROCID", "1"}, {"SLURM_NTASKS", "8"}, {"SLURM_STEP_NUM_TASKS", "2"}, {"SLURM_NODELIST", "n1"}}).world_size == 2);
}

TEST_CASE("SLURM: rank 0's host is the first node of the step, never the node srun ran on", "[dist]") {
  // srun typed on a login node: SLURM_LAUNCH_NODE_IPADDR is the login node, where no rank runs.
  auto env = read({{"SLURM_PROCID", "1"}, {"SLURM_NTASKS", "8"}, {"SLURM_LOCALID", "1"},
                   {"SLURM_JOB_NODELIST", "gpu[07-10]"}, {"SLURM_LAUNCH_NODE_IPADDR", "10.0.0.9"}});
  CHECK(env.master_addr == "gpu07");
  // Inside srun the step's node list (a subset of the allocation) decides.
  CHECK(read({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}, {"SLURM_STEP_NODELIST", "gpu[09-10]"},
              {"SLURM_JOB_NODELIST", "gpu[07-10]"}, {"SLURM_NODELIST", "gpu[07-10]"}})
            .master_addr == "gpu09");
  // Only the launch node known: not good enough to find rank 0.
  CHECK_THROWS_WITH(read({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}, {"SLURM_LAUNCH_NODE_IPADDR", "10.0.0.9"}}),
                    Catch::Matchers::ContainsSubstring("SLURM_STEP_NODELIST"));
}

TEST_CASE("SLURM: the rendezvous port follows the job id, so jobs sharing a node do not collide", "[dist]") {
  auto a = read({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}, {"SLURM_NODELIST", "n1"}, {"SLURM_JOB_ID", "4123456"}});
  auto b = read({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}, {"SLURM_NODELIST", "n1"}, {"SLURM_JOB_ID", "4123457"}});
  CHECK(a.master_port == 15000 + 4123456 % 10000);
  CHECK(b.master_port == a.master_port + 1);
  // Two steps of one job side by side (srun ... & srun ... &).
  auto step = read({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}, {"SLURM_NODELIST", "n1"}, {"SLURM_JOB_ID", "4123456"},
                    {"SLURM_STEP_ID", "1"}});
  CHECK(step.master_port != a.master_port);
  // A federated job id (cluster id in the high bits) does not fit 32 bits.
  auto huge = read({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}, {"SLURM_NODELIST", "n1"}, {"SLURM_JOB_ID", "8589934593"}});
  CHECK(huge.master_port == 15000 + static_cast<int>(8589934593ULL % 10000));
  CHECK_THROWS_WITH(read({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}, {"SLURM_NODELIST", "n1"}, {"SLURM_JOB_ID", "x"}}),
                    Catch::Matchers::ContainsSubstring("SLURM_JOB_ID"));
}

TEST_CASE("a missing local rank in a multi-process job is unknown, not 0", "[dist]") {
  // Silently 0 would put every rank of a node on GPU 0 (resolve_device then names the variable).
  CHECK(read({{"RANK", "3"}, {"WORLD_SIZE", "4"}, {"MASTER_ADDR", "h"}}).local_rank == -1);
  CHECK(read({{"SLURM_PROCID", "1"}, {"SLURM_NTASKS", "2"}, {"SLURM_NODELIST", "n1"}}).local_rank == -1);
  CHECK(read({{"OMPI_COMM_WORLD_RANK", "1"}, {"OMPI_COMM_WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}}).local_rank == -1);
  // A single process is local rank 0 whatever launched it.
  CHECK(read({{"RANK", "0"}, {"WORLD_SIZE", "1"}}).local_rank == 0);
  CHECK(read({{"RANK", "1"}, {"WORLD_SIZE", "2"}, {"LOCAL_RANK", "1"}, {"MASTER_ADDR", "h"}}).local_rank == 1);
}

TEST_CASE("first host of a SLURM node list", "[dist]") {
  CHECK(roberta::first_slurm_host("node1") == "node1");
  CHECK(roberta::first_slurm_host("node1,node2") == "node1");
  CHECK(roberta::first_slurm_host("nid[0012-0015]") == "nid0012");
  CHECK(roberta::first_slurm_host("gpu[3,5-7]") == "gpu3");
  CHECK(roberta::first_slurm_host("rack[2-3]-n[04-05]") == "rack2-n04");
}

TEST_CASE("Open MPI variables", "[dist]") {
  auto env = read({{"OMPI_COMM_WORLD_RANK", "1"}, {"OMPI_COMM_WORLD_SIZE", "4"},
                   {"OMPI_COMM_WORLD_LOCAL_RANK", "1"}, {"MASTER_ADDR", "10.1.1.1"}});
  CHECK(env.source == "openmpi");
  CHECK(env.rank == 1);
  CHECK(env.world_size == 4);
  CHECK(env.local_rank == 1);
  CHECK(env.master_addr == "10.1.1.1");
  CHECK_THROWS_WITH(read({{"OMPI_COMM_WORLD_RANK", "1"}, {"OMPI_COMM_WORLD_SIZE", "4"}}), Catch::Matchers::ContainsSubstring("MASTER_ADDR"));
}
