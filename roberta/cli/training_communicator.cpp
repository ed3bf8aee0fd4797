// See training_communicator.h.
#include "roberta/cli/training_communicator.h"

#include "roberta/train/precision.h"

namespace roberta::cli {

std::unique_ptr<Communicator> training_communicator(const Config& config) {
  DistOptions dist;
  dist.backend = to_string(config.dist.backend);
  dist.bucket_mb = config.dist.bucket_mb;
  dist.overlap = config.dist.overlap;
  dist.timeout_s = static_cast<double>(config.dist.timeout_s);
  dist.find_unused_parameters = config.dist.find_unused_parameters;
  const DistEnvironment env = read_dist_environment();
  return make_communicator(dist, env, resolve_device(config.train.device, env));
}

}  // namespace roberta::cli
