// c10d rendezvous and collectives with bounded waits.
#include "roberta/dist/c10d_communicator.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/reducer.hpp>
#ifdef ROBERTA_WITH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include "roberta/torch_version.h"

#include <algorithm>
#include <cstdlib>
#include <unordered_set>
#include <exception>
#include <thread>
#include <type_traits>
#include <utility>

#include "roberta/dist/bucketed_gradient_sync.h"
#include "roberta/dist/reducer_gradient_sync.h"
#include "util/error.h"

namespace roberta {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string describe(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const c10::Error& e) {
    return e.what_without_backtrace();
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown error";
  }
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

// Gloo binds to one interface: GLOO_SOCKET_IFNAME when given (as in PyTorch), loopback for a
// single-node job on 127.0.0.1, else the address this host's name resolves to.
std::shared_ptr<::gloo::transport::Device> gloo_device(const std::string& master_addr) {
  if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname != nullptr && *ifname) {
    return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
  }
  if (is_loopback(master_addr)) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

// LibTorch 2.x made Gloo and NCCL "backends" that a ProcessGroup dispatches to by the tensors'
// device type; 1.13's ProcessGroupGloo/NCCL are process groups themselves. 2.0-2.5 build the
// ProcessGroup from an Options naming the default backend, 2.6 and later take the default
// with setDefaultBackend (ProcessGroup::Options was removed).
template <typename Group>
c10::intrusive_ptr<c10d::ProcessGroup> as_process_group(c10::intrusive_ptr<Group> group,
                                                        const c10::intrusive_ptr<c10d::Store>& store,
                                                        const DistEnvironment& env, const std::string& name,
                                                        std::chrono::milliseconds timeout) {
#if ROBERTA_TORCH_AT_LEAST(2, 0)
  const bool nccl = name == "nccl";
  const auto type = nccl ? c10d::ProcessGroup::BackendType::NCCL : c10d::ProcessGroup::BackendType::GLOO;
#if ROBERTA_TORCH_AT_LEAST(2, 6)
  (void)timeout;
  auto wrapper = c10::make_intrusive<c10d::ProcessGroup>(store, env.rank, env.world_size);
  wrapper->setDefaultBackend(type);
#else
  auto wrapper = c10::make_intrusive<c10d::ProcessGroup>(
      store, env.rank, env.world_size, c10::make_intrusive<c10d::ProcessGroup::Options>(name, timeout));
#endif
  wrapper->setBackend(nccl ? c10::DeviceType::CUDA : c10::DeviceType::CPU, type,
                      c10::intrusive_ptr<c10d::Backend>(std::move(group)));
#if ROBERTA_TORCH_AT_LEAST(2, 2)
  wrapper->setGroupName("roberta");  // after setBackend: it names the registered backends
#endif
  return wrapper;
#else
  (void)store, (void)env, (void)name, (void)timeout;
  return group;
#endif
}

// Turns the libuv TCPStore off where the options have the switch (LibTorch 2.3+); false when
// there is nothing to turn off.
template <typename Options, typename = void>
struct HasUseLibUV : std::false_type {};
template <typename Options>
struct HasUseLibUV<Options, std::void_t<decltype(std::declval<Options&>().useLibUV)>> : std::true_type {};

template <typename Options>
bool without_libuv(Options& options) {
  if constexpr (HasUseLibUV<Options>::value) {
    if (!options.useLibUV) return false;
    options.useLibUV = false;
    return true;
  } else {
    return false;
  }
}

// The parameters that get gradients, each once: a tied weight (LM head = word embeddings) can
// be listed twice by Module::parameters(), and reducing it twice would double its gradient.
std::vector<at::Tensor> unique_trainable(const std::vector<at::Tensor>& params) {
  std::vector<at::Tensor> unique;
  std::unordered_set<const void*> seen;
  for (const auto& param : params) {
    if (param.requires_grad() && seen.insert(param.unsafeGetTensorImpl()).second) unique.push_back(param);
  }
  return unique;
}

}  // namespace

C10dCommunicator::C10dCommunicator(const DistOptions& options, const DistEnvironment& env,
                                   const std::string& backend, const c10::Device& device)
    : options_(options),
      env_(env),
      backend_(backend),
      device_(device),
      timeout_(std::chrono::milliseconds(static_cast<int64_t>(options.timeout_s * 1000.0))) {
  if (options.timeout_s <= 0) fail("dist.timeout_s: expected a positive number of seconds, found {}", options.timeout_s);
  auto start = Clock::now();
  try {
    c10d::TCPStoreOptions store_options;
    store_options.port = static_cast<uint16_t>(env.master_port);
    store_options.isServer = env.rank == 0;
    store_options.numWorkers = static_cast<size_t>(env.world_size);
    store_options.waitWorkers = true;
    store_options.timeout = timeout_;
    try {
      store_ = c10::make_intrusive<c10d::TCPStore>(env.master_addr, store_options);
    } catch (const std::exception& e) {
      // LibTorch 2.4+ defaults to the libuv store, which some builds lack (Debian's 2.6):
      // then the classic one, which every build has.
      if (std::string(e.what()).find("libuv") == std::string::npos || !without_libuv(store_options)) throw;
      store_ = c10::make_intrusive<c10d::TCPStore>(env.master_addr, store_options);
    }
  } catch (const std::exception&) {
    fail("dist: rendezvous with {} ranks at {}:{} (from {}) failed for rank {} after {:.1f} s "
         "(dist.timeout_s = {}): {}. Check MASTER_ADDR/MASTER_PORT, that every rank was started, "
         "and that the port is free",
         env.world_size, env.master_addr, env.master_port, env.source, env.rank,
         seconds_since(start), options.timeout_s, describe(std::current_exception()));
  }
  try {
    if (backend == "gloo") {
      auto gloo_options = c10d::ProcessGroupGloo::Options::create(timeout_);
      gloo_options->devices.push_back(gloo_device(env.master_addr));
      process_group_ = as_process_group(
          c10::make_intrusive<c10d::ProcessGroupGloo>(store_, env.rank, env.world_size, gloo_options), store_, env,
          backend, timeout_);
    } else if (backend == "nccl") {
#ifdef ROBERTA_WITH_NCCL
      TORCH_CHECK(device.is_cuda() && device.has_index(), "nccl needs a CUDA device with an index, got ", device.str());
      // A dead or stalled rank must end this one after dist.timeout_s (NCCL's watchdog aborts
      // the communicator and the process), not hang it. 2.2+ have it on by default; 1.13 only
      // with the variable (a value the user set wins).
#if !ROBERTA_TORCH_AT_LEAST(2, 2)
      setenv("NCCL_ASYNC_ERROR_HANDLING", "1", 0);
#endif
      auto nccl_options = c10d::ProcessGroupNCCL::Options::create();
      nccl_options->timeout = timeout_;
      process_group_ = as_process_group(
          c10::make_intrusive<c10d::ProcessGroupNCCL>(store_, env.rank, env.world_size, nccl_options), store_, env,
          backend, timeout_);
#else
      fail("dist.backend: expected gloo (this build has no NCCL: LibTorch without CUDA), found nccl");
#endif
    } else {
      fail("dist.backend: expected auto, gloo or nccl, found '{}'", backend);
    }
  } catch (const Error&) {
    throw;
  } catch (const std::exception&) {
    fail("dist: connecting {} {} ranks (rank {}, rendezvous {}:{}) failed after {:.1f} s "
         "(dist.timeout_s = {}): {}",
         env.world_size, backend, env.rank, env.master_addr, env.master_port, seconds_since(start),
         options.timeout_s, describe(std::current_exception()));
  }
}

void C10dCommunicator::shutdown_backend() {
#if defined(ROBERTA_WITH_NCCL) && ROBERTA_TORCH_AT_LEAST(2, 3)
  // Flushes NCCL's work and joins its watchdog; without it 2.x warns at exit that the process
  // group was never destroyed.
  if (backend_ == "nccl") {
    auto backend = process_group_->getBackend(c10::DeviceType::CUDA);
    if (auto* nccl = dynamic_cast<c10d::ProcessGroupNCCL*>(backend.get())) nccl->shutdown();
  }
#endif
}

// No shutdown handshake here: a rank leaving through an exception must not wait for ranks
// that will never join it. Successful runs call shutdown() explicitly.
C10dCommunicator::~C10dCommunicator() = default;

void C10dCommunicator::shutdown() {
  if (shut_down_ || !healthy_ || !process_group_) return;
  shut_down_ = true;
  barrier();
  // After everyone has passed the barrier, every message has been read; "left" lets rank 0
  // (the store's host) wait for the others before it goes.
  store_->add("roberta/shutdown/arrived", 1);
  auto deadline = Clock::now() + timeout_;
  while (store_->add("roberta/shutdown/arrived", 0) < env_.world_size && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (env_.rank != 0) {
    store_->add("roberta/shutdown/left", 1);
    shutdown_backend();
    return;
  }
  while (store_->add("roberta/shutdown/left", 0) < env_.world_size - 1 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  shutdown_backend();
}

void C10dCommunicator::fail_collective(const std::string& what, double elapsed_s,
                                       const std::string& cause) const {
  healthy_ = false;
  bool timed_out = elapsed_s >= 0.95 * options_.timeout_s;
  fail("dist: {} on rank {} of {} ({}) {} after {:.1f} s (dist.timeout_s = {}): {}. Another rank "
       "probably died or stopped responding; `roberta launch` names it, else see that rank's log",
       what, env_.rank, env_.world_size, backend_, timed_out ? "timed out" : "failed", elapsed_s,
       options_.timeout_s, cause);
}

void C10dCommunicator::wait(const c10::intrusive_ptr<c10d::Work>& work, const std::string& what) const {
  auto start = Clock::now();
  try {
    work->wait(timeout_);
  } catch (const std::exception&) {
    fail_collective(what, seconds_since(start), describe(std::current_exception()));
  }
}

void C10dCommunicator::check_device(const at::Tensor& tensor, const char* what) const {
  TORCH_CHECK(tensor.device() == device_, "dist: ", what, " got a tensor on ", tensor.device().str(), "; the ",
              backend_, " communicator of rank ", env_.rank, " takes tensors on ", device_.str(), " only");
}

void C10dCommunicator::broadcast(const std::vector<at::Tensor>& tensors) {
  for (const auto& tensor : tensors) check_device(tensor, "broadcast");
  // One tensor per call: c10d wants one tensor per device in the list.
  for (size_t i = 0; i < tensors.size(); i++) {
    std::vector<at::Tensor> one = {tensors[i]};
    c10d::BroadcastOptions broadcast_options;
    broadcast_options.rootRank = 0;
    wait(process_group_->broadcast(one, broadcast_options), fmt::format("broadcast of tensor {} of {} from rank 0", i, tensors.size()));
  }
}

void C10dCommunicator::all_reduce_sum(const std::vector<at::Tensor>& tensors) {
  for (const auto& tensor : tensors) check_device(tensor, "all_reduce_sum");
  for (size_t i = 0; i < tensors.size(); i++) {
    std::vector<at::Tensor> one = {tensors[i]};
    wait(process_group_->allreduce(one), fmt::format("all_reduce_sum of tensor {} of {}", i, tensors.size()));
  }
}

void C10dCommunicator::all_reduce_gradients(const std::vector<at::Tensor>& params) {
  std::vector<at::Tensor> grads;
  for (const auto& param : unique_trainable(params)) {
    if (param.grad().defined()) grads.push_back(param.grad());
  }
  if (grads.empty()) return;
  for (const auto& grad : grads) check_device(grad, "all_reduce_gradients");
  auto bucket_bytes = static_cast<size_t>(options_.bucket_mb * 1024 * 1024);
  // Same grouping as DistributedDataParallel: consecutive tensors of one dtype and device.
  auto buckets = std::get<0>(c10d::compute_bucket_assignment_by_size(grads, {std::max<size_t>(bucket_bytes, 1)}));
  // All buckets in flight at once; each is one flattened tensor.
  std::vector<at::Tensor> flats;
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  for (const auto& bucket : buckets) {
    std::vector<at::Tensor> pieces;
    for (size_t index : bucket) pieces.push_back(grads[index].reshape({-1}));
    flats.push_back(at::cat(pieces));  // (sum of numels,)
    std::vector<at::Tensor> one = {flats.back()};
    works.push_back(process_group_->allreduce(one));
  }
  for (size_t b = 0; b < buckets.size(); b++) {
    wait(works[b], fmt::format("gradient all-reduce (bucket {} of {}, {:.1f} MB)", b + 1, buckets.size(),
                               flats[b].numel() * flats[b].element_size() / 1048576.0));
    int64_t offset = 0;
    for (size_t index : buckets[b]) {
      auto& grad = grads[index];
      grad.copy_(flats[b].narrow(0, offset, grad.numel()).view(grad.sizes()));
      offset += grad.numel();
    }
  }
}

void C10dCommunicator::all_reduce_sum_values(std::vector<double>& values) {
  if (values.empty()) return;
  at::Tensor sums = at::tensor(values, at::TensorOptions().dtype(at::kDouble)).to(device_);
  all_reduce_sum(std::vector<at::Tensor>{sums});
  sums = sums.cpu();
  std::copy_n(sums.data_ptr<double>(), values.size(), values.begin());
}

void C10dCommunicator::broadcast_values(std::vector<int64_t>& values) {
  if (values.empty()) return;
  at::Tensor shared = at::tensor(values, at::TensorOptions().dtype(at::kLong)).to(device_);
  broadcast({shared});
  shared = shared.cpu();
  std::copy_n(shared.data_ptr<int64_t>(), values.size(), values.begin());
}

void C10dCommunicator::barrier() {
  wait(process_group_->barrier(), "barrier");
}

std::unique_ptr<GradientSync> C10dCommunicator::make_gradient_sync(const std::vector<at::Tensor>& params) {
  {
    at::NoGradGuard no_grad;
    broadcast(unique_trainable(params));  // every rank starts from rank 0's weights
  }
  if (options_.overlap) return std::make_unique<ReducerGradientSync>(*this, unique_trainable(params));
  return std::make_unique<BucketedGradientSync>(*this, unique_trainable(params));
}

}  // namespace roberta
