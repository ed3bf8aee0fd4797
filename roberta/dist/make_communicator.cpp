// Choosing the communicator: one process needs no network; otherwise c10d.
#include <torch/cuda.h>

#include "roberta/dist/c10d_communicator.h"
#include "roberta/dist/single_process_communicator.h"
#include "util/error.h"

namespace roberta {

std::unique_ptr<Communicator> make_communicator(const DistOptions& options, const DistEnvironment& env) {
  if (options.backend != "auto" && options.backend != "gloo" && options.backend != "nccl") {
    fail("dist.backend: expected auto, gloo or nccl, found '{}'", options.backend);
  }
  if (options.bucket_mb <= 0) fail("dist.bucket_mb: expected a positive size in MB, found {}", options.bucket_mb);
  if (env.world_size == 1) return std::make_unique<SingleProcessCommunicator>(env);
  std::string backend = options.backend;
  if (backend == "auto") {
#ifdef ROBERTA_WITH_NCCL
    backend = torch::cuda::is_available() ? "nccl" : "gloo";
#else
    backend = "gloo";
#endif
  }
  return std::make_unique<C10dCommunicator>(options, env, backend);
}

std::unique_ptr<Communicator> make_communicator(const DistOptions& options) {
  return make_communicator(options, read_dist_environment());
}

}  // namespace roberta
