// `roberta info`: what this binary runs on: LibTorch version, devices, BLAS, threads.
#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <torch/cuda.h>
#include <fmt/format.h>

#include <fstream>
#include <set>
#include <string>

#include "roberta/cli/command.h"
#include "roberta/dist/communicator.h"
#include "roberta/model/attention_kernel.h"
#include "util/threads.h"

#ifndef TORCH_VERSION
#include <torch/version.h>
#endif

namespace roberta::cli {
namespace {

// The BLAS libraries actually mapped into this process (the Debian alternative decides
// whether libblas.so.3 is OpenBLAS or the slow reference BLAS).
std::set<std::string> loaded_blas() {
  std::set<std::string> found;
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    std::string path = line.substr(slash);
    if (path.find("blas") != std::string::npos || path.find("mkl") != std::string::npos) {
      found.insert(path);
    }
  }
  return found;
}

int run_info() {
  fmt::print("libtorch: {}\n", TORCH_VERSION);
  bool cuda = torch::cuda::is_available();
  fmt::print("cuda: {}\n", cuda ? fmt::format("yes, {} device(s)", torch::cuda::device_count())
                                : std::string("no"));
  fmt::print("devices: cpu{}\n", cuda ? fmt::format(", cuda x{}", torch::cuda::device_count()) : "");
  // What this binary was compiled with (docs/build.md), next to what the machine has.
  fmt::print("built with: CUDA {}, NCCL {}, fused attention {}\n", at::hasCUDA() ? "yes" : "no",
             nccl_built() ? "yes" : "no", attention_kernel_is_fused() ? "yes" : "no");
  auto blas = loaded_blas();
  std::string kind = "unknown";
  for (const auto& path : blas) {
    if (path.find("openblas") != std::string::npos) kind = "OpenBLAS";
    else if (path.find("mkl") != std::string::npos) kind = "MKL";
  }
  if (kind == "unknown" && !blas.empty()) kind = "reference BLAS (slow: install libopenblas0-openmp)";
  fmt::print("blas: {}\n", kind);
  for (const auto& path : blas) fmt::print("  {}\n", path);
  fmt::print("threads: intra-op {}, inter-op {}, cores {}\n", at::get_num_threads(),
             at::get_num_interop_threads(), hardware_threads());
  fmt::print("mkldnn: {}\n", at::hasMKLDNN() ? "yes" : "no");
  return 0;
}

const RegisterCommand registered_info("info", "print LibTorch version, devices, BLAS and threads",
                          [](CLI::App&) -> CommandRun { return run_info; }, 0);

}  // namespace
}  // namespace roberta::cli
