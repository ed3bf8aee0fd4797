// Options of the distributed layer (dist.* keys). Plain data; the config layer fills it.
// Rank, world size and rendezvous come from the environment (environment.h), not from here.
#pragma once

#include <string>

namespace roberta {

struct DistOptions {
  std::string backend = "auto";  // dist.backend: auto (nccl on CUDA, else gloo) | gloo | nccl
  double bucket_mb = 25.0;       // dist.bucket_mb: size of one flattened gradient bucket, in MB
  double timeout_s = 300.0;      // dist.timeout_s: a rendezvous or collective slower than this fails
  bool overlap = true;           // dist.overlap: all-reduce buckets during the last backward
                                 // (c10d::Reducer); false = bucketed all-reduce after backward
  bool find_unused_parameters = false;  // dist.find_unused_parameters: tolerate parameters
                                        // without a gradient (costs a graph walk per step)
};

}  // namespace roberta
