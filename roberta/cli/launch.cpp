// `roberta launch --nproc N [--master-port P] -- SUBCOMMAND ARGS...`: N local ranks of a
// subcommand (roberta/dist/launcher.h). And `roberta dist-selftest`: checks that the ranks
// of a job can talk: an all-reduce and a gradient sync whose results each rank verifies.
#include <ATen/ATen.h>
#include <torch/cuda.h>
#include <torch/nn/modules/linear.h>
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <thread>

#include "roberta/cli/command.h"
#include "roberta/dist/communicator.h"
#include "roberta/dist/launcher.h"
#include "roberta/train/precision.h"
#include "util/error.h"
#include "util/threads.h"

namespace roberta::cli {
namespace {

struct LaunchArgs {
  LaunchOptions options;
  int threads_per_rank = 0;
  std::vector<std::string> command;
};

int run_launch(const LaunchArgs& args) {
  LaunchOptions options = args.options;
  int threads = args.threads_per_rank > 0 ? args.threads_per_rank
                                          : std::max(1, hardware_threads() / std::max(1, options.nproc));
  // The ranks share the cores: without --threads each would start one thread per core.
  options.argv = {self_executable(), "--threads", std::to_string(threads)};
  options.argv.insert(options.argv.end(), args.command.begin(), args.command.end());
  return launch_local(options);
}

CommandRun setup_launch(CLI::App& sub) {
  auto args = std::make_shared<LaunchArgs>();
  sub.add_option("--nproc", args->options.nproc, "number of local ranks")->required()->check(CLI::PositiveNumber);
  sub.add_option("--master-port", args->options.master_port, "rendezvous port (default: a free one)");
  sub.add_option("--grace", args->options.grace_s, "seconds between SIGTERM and SIGKILL when a rank failed")
      ->capture_default_str();
  sub.add_option("--threads-per-rank", args->threads_per_rank, "intra-op threads per rank (default: cores / nproc)");
  sub.add_option("command", args->command, "the subcommand and its arguments, after --")->required();
  sub.footer("example: roberta launch --nproc 2 -- pretrain configs/pretrain/demo.yaml --set train.max_steps=10");
  return [args] { return run_launch(*args); };
}

const RegisterCommand reg_launch("launch", "run N local ranks of a subcommand (data-parallel on one node)",
                                 setup_launch, 60);

struct SelftestArgs {
  DistOptions options;
  int exit_rank = -1;   // this rank exits with exit_code right after the rendezvous
  int exit_code = 3;
  int hang_rank = -1;   // this rank stops responding (sleeps) instead of joining the collectives
  double bench_mb = 0;  // also time the gradient all-reduce of this many MB of fp32 gradients
};

// Each rank's micro-batch, a pure function of (rank, micro-step): the reference is recomputed
// locally for all ranks and compared with what the collective produced.
at::Tensor selftest_input(int rank, int micro, const at::Device& device) {
  return (at::linspace(-1.0, 1.0, 8, at::kFloat).reshape({2, 4}) * (1 + rank) + micro).to(device);  // (2, 4)
}

int run_selftest(const SelftestArgs& args) {
  // NCCL (asked for, or auto where CUDA is visible) runs on this rank's GPU, Gloo on the CPU.
  const DistEnvironment env = read_dist_environment();
  const bool cuda = args.options.backend == "nccl" || (args.options.backend == "auto" && torch::cuda::is_available());
  if (args.options.backend == "nccl" && !torch::cuda::is_available()) {
    fail("dist-selftest --backend nccl: expected a visible CUDA device, found none (use --backend gloo)");
  }
  const at::Device device = resolve_device(cuda ? DeviceKind::cuda : DeviceKind::cpu, env);
  auto communicator = make_communicator(args.options, env, device);
  int rank = communicator->rank(), world = communicator->world_size();
  fmt::print("dist-selftest: rank {} of {} (local rank {}, from {}), backend {}, rendezvous {}:{}\n", rank, world,
             env.local_rank, env.source, communicator->backend(), env.master_addr, env.master_port);
  std::fflush(stdout);
  if (rank == args.exit_rank) {
    fmt::print(stderr, "dist-selftest: rank {} exits with status {} as asked (--exit-rank)\n", rank, args.exit_code);
    // At once, as a crashing rank would: a clean return would first tear down the process
    // group, and the peer (which fails as soon as the sockets close) could be reported first.
    std::fflush(nullptr);
    _exit(args.exit_code);
  }
  if (rank == args.hang_rank) {
    fmt::print(stderr, "dist-selftest: rank {} stops responding as asked (--hang-rank)\n", rank);
    std::fflush(stderr);
    while (true) std::this_thread::sleep_for(std::chrono::seconds(60));
  }

  // 1. all-reduce: sum of (rank + 1) = world (world + 1) / 2.
  auto value = at::full({1}, rank + 1.0, at::TensorOptions().dtype(at::kDouble).device(device));
  communicator->all_reduce_sum(value);
  double expected = world * (world + 1) / 2.0;
  bool ok = value.item<double>() == expected;
  fmt::print("dist-selftest: all_reduce_sum = {} (expected {})\n", value.item<double>(), expected);

  // 2. broadcast + gradient sync over 2 micro-steps vs the locally computed sum over ranks.
  at::manual_seed(1000 + rank);  // different init per rank: the broadcast must unify it
  torch::nn::Linear model(4, 3), reference(4, 3);
  model->to(device);
  reference->to(device);
  communicator->broadcast(model->parameters());
  {
    at::NoGradGuard no_grad;
    for (size_t i = 0; i < model->parameters().size(); i++) reference->parameters()[i].copy_(model->parameters()[i]);
  }
  auto sync = communicator->make_gradient_sync(model->parameters());
  const int micro_steps = 2;
  for (int micro = 0; micro < micro_steps; micro++) {
    auto loss = model->forward(selftest_input(rank, micro, device)).pow(2).sum();  // scalar
    sync->backward(loss, micro == micro_steps - 1);
  }
  for (int r = 0; r < world; r++) {
    for (int micro = 0; micro < micro_steps; micro++) reference->forward(selftest_input(r, micro, device)).pow(2).sum().backward();
  }
  double worst = 0;
  for (size_t i = 0; i < model->parameters().size(); i++) {
    auto got = model->parameters()[i].grad(), want = reference->parameters()[i].grad();
    worst = std::max(worst, ((got - want).abs().max() / want.abs().max().clamp_min(1e-12)).item<double>());
  }
  bool grads_ok = worst < 1e-5;
  fmt::print("dist-selftest: gradient sum over {} ranks x {} micro-steps ({}): max relative error {:.2e}\n", world,
             micro_steps, args.options.overlap ? "Reducer, overlapped" : "bucketed", worst);
  if (args.bench_mb > 0) {
    // Gradients of a model of bench_mb MB (25 MB tensors), summed as a training step does.
    int64_t total = static_cast<int64_t>(args.bench_mb * 1048576 / 4), piece = 25 * 1048576 / 4;
    std::vector<at::Tensor> params;
    for (int64_t done = 0; done < total; done += piece) {
      auto p = at::zeros({std::min(piece, total - done)}, at::TensorOptions().device(device)).requires_grad_();
      p.mutable_grad() = at::ones_like(p);
      params.push_back(p);
    }
    communicator->all_reduce_gradients(params);  // warm-up (connections, buffers)
    const int repeats = 5;
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < repeats; i++) communicator->all_reduce_gradients(params);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / repeats;
    // Ring all-reduce "bus bandwidth": each rank sends and receives 2 (n - 1) / n of the data.
    double bus = args.bench_mb * 2.0 * (world - 1) / world / seconds;
    fmt::print("dist-selftest: gradient all-reduce of {:.0f} MB over {} ranks ({}, buckets of {} MB): {:.1f} ms, "
               "algorithm bandwidth {:.0f} MB/s, bus bandwidth {:.0f} MB/s\n",
               args.bench_mb, world, communicator->backend(), args.options.bucket_mb, seconds * 1000,
               args.bench_mb / seconds, bus);
  }
  communicator->shutdown();
  ok = ok && grads_ok;
  fmt::print("dist-selftest: {}\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}

CommandRun setup_selftest(CLI::App& sub) {
  auto args = std::make_shared<SelftestArgs>();
  args->options.timeout_s = 60;
  sub.add_option("--backend", args->options.backend, "auto | gloo | nccl")->capture_default_str();
  sub.add_option("--timeout", args->options.timeout_s, "seconds before a collective fails")->capture_default_str();
  sub.add_option("--bucket-mb", args->options.bucket_mb, "gradient bucket size in MB")->capture_default_str();
  sub.add_flag("!--no-overlap", args->options.overlap, "bucketed all-reduce after backward instead of the Reducer");
  sub.add_option("--exit-rank", args->exit_rank, "fault test: this rank exits right after the rendezvous");
  sub.add_option("--exit-code", args->exit_code, "fault test: the status --exit-rank exits with")->capture_default_str();
  sub.add_option("--hang-rank", args->hang_rank, "fault test: this rank stops responding");
  sub.add_option("--bench-mb", args->bench_mb, "also time a gradient all-reduce of this many MB");
  return [args] { return run_selftest(*args); };
}

const RegisterCommand reg_selftest("dist-selftest", "check that the ranks of a job can communicate (run under launch/torchrun/srun)",
                                   setup_selftest, 61);

}  // namespace
}  // namespace roberta::cli
