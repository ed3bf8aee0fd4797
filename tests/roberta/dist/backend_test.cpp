// dist.backend follows the training device: every (configured backend, device, NCCL built)
// combination, including the mismatches that must be config errors, not crashes inside c10d.
#include "tests/catch.h"

#include "roberta/dist/communicator.h"
#include "util/error.h"

using roberta::choose_backend;
using Catch::Matchers::ContainsSubstring;

namespace {
const c10::Device kCpu(c10::kCPU);
const c10::Device kGpu1(c10::kCUDA, 1);
}  // namespace

TEST_CASE("auto: nccl for CUDA tensors, gloo for CPU tensors", "[dist]") {
  CHECK(choose_backend("auto", kCpu, true) == "gloo");
  CHECK(choose_backend("auto", kCpu, false) == "gloo");
  CHECK(choose_backend("auto", kGpu1, true) == "nccl");
  CHECK(choose_backend("gloo", kCpu, true) == "gloo");
  CHECK(choose_backend("nccl", kGpu1, true) == "nccl");
}

TEST_CASE("a backend that cannot take the training device's tensors is a config error", "[dist]") {
  CHECK_THROWS_WITH(choose_backend("gloo", kGpu1, true),
                    ContainsSubstring("dist.backend: gloo") && ContainsSubstring("cuda:1") && ContainsSubstring("nccl or auto"));
  CHECK_THROWS_WITH(choose_backend("nccl", kCpu, true),
                    ContainsSubstring("dist.backend: nccl") && ContainsSubstring("train.device"));
  CHECK_THROWS_WITH(choose_backend("auto", kGpu1, false),
                    ContainsSubstring("needs NCCL") && ContainsSubstring("this build has none"));
  CHECK_THROWS_WITH(choose_backend("nccl", kGpu1, false), ContainsSubstring("needs NCCL"));
  CHECK_THROWS_WITH(choose_backend("mpi", kCpu, true), ContainsSubstring("expected auto, gloo or nccl") && ContainsSubstring("'mpi'"));
}

TEST_CASE("make_communicator checks the backend against the device before any rendezvous", "[dist]") {
  roberta::DistOptions options;
  options.backend = "nccl";
  roberta::DistEnvironment env;  // one process: no network, but the config is still wrong
  CHECK_THROWS_WITH(roberta::make_communicator(options, env, kCpu), ContainsSubstring("dist.backend: nccl"));
  options.backend = "auto";
  auto single = roberta::make_communicator(options, env, kCpu);
  CHECK(single->backend() == "single");
  CHECK(single->device() == kCpu);
}
