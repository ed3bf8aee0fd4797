// DistributedDataParallel's Reducer driven from C++, with a summing communication hook.
#include "roberta/dist/reducer_gradient_sync.h"

#include <torch/csrc/distributed/c10d/reducer.hpp>

#include <type_traits>

#include "roberta/dist/c10d_communicator.h"
#include "util/error.h"

namespace roberta {
namespace {

// The Reducer averages over ranks unless a hook is installed; this hook only sums.
class SumCommHook : public c10d::CommHookInterface {
 public:
  explicit SumCommHook(c10::intrusive_ptr<c10d::ProcessGroup> group) : group_(std::move(group)) {}
  c10::intrusive_ptr<c10::ivalue::Future> runHook(c10d::GradBucket& bucket) override {
    std::vector<at::Tensor> tensors = {bucket.getBufferRef()};  // (bucket numel,) flattened grads
    return group_->allreduce(tensors)->getFuture();
  }
  at::Tensor parseHookResult(const c10::IValue& result) override {
    return result.isTensor() ? result.toTensor() : result.toTensorVector().at(0);
  }

 private:
  c10::intrusive_ptr<c10d::ProcessGroup> group_;
};

// The Reducer's constructor gained and lost arguments across LibTorch releases (1.13-2.6:
// per-bucket size limits; 2.7 dropped them; 2.10 added skip_all_reduce_unused_params and
// use_python_reducer; 2.11 a per-bucket byte-cap list). The form is chosen by what this
// LibTorch's Reducer can be constructed from, not by a version number. R is c10d::Reducer,
// a template parameter so that only the chosen branch is compiled.
template <typename R = c10d::Reducer>
std::unique_ptr<R> make_reducer(std::vector<at::Tensor> params, std::vector<std::vector<size_t>> buckets,
                                std::vector<size_t> limits, c10::intrusive_ptr<c10d::ProcessGroup> group,
                                std::vector<bool> sparse, int64_t bucket_bytes, bool find_unused,
                                std::unordered_map<size_t, std::string> names, int64_t first_bucket_bytes) {
  using Params = std::vector<at::Tensor>;
  using Buckets = std::vector<std::vector<size_t>>;
  using Limits = std::vector<size_t>;
  using Group = c10::intrusive_ptr<c10d::ProcessGroup>;
  using Sparse = std::vector<bool>;
  using Names = std::unordered_map<size_t, std::string>;
  constexpr bool view = false;  // gradient_as_bucket_view: our optimizer owns .grad
  if constexpr (std::is_constructible_v<R, Params, Buckets, Limits, Group, Sparse, int64_t, bool, bool, Names,
                                        int64_t>) {
    return std::make_unique<R>(std::move(params), std::move(buckets), std::move(limits), std::move(group),
                               std::move(sparse), bucket_bytes, find_unused, view, std::move(names),
                               first_bucket_bytes);
  } else if constexpr (std::is_constructible_v<R, Params, Buckets, Group, Sparse, int64_t, bool, bool, Names,
                                               int64_t, bool, bool, std::vector<int64_t>>) {
    // An empty cap list: rebuilt buckets use first_bucket_bytes, then bucket_bytes, as before.
    std::vector<int64_t> caps;
    return std::make_unique<R>(std::move(params), std::move(buckets), std::move(group), std::move(sparse),
                               bucket_bytes, find_unused, view, std::move(names), first_bucket_bytes,
                               /*skip_all_reduce_unused_params=*/false, /*use_python_reducer=*/false,
                               std::move(caps));
  } else if constexpr (std::is_constructible_v<R, Params, Buckets, Group, Sparse, int64_t, bool, bool, Names,
                                               int64_t, bool, bool>) {
    return std::make_unique<R>(std::move(params), std::move(buckets), std::move(group), std::move(sparse),
                               bucket_bytes, find_unused, view, std::move(names), first_bucket_bytes,
                               /*skip_all_reduce_unused_params=*/false, /*use_python_reducer=*/false);
  } else {
    static_assert(std::is_constructible_v<R, Params, Buckets, Group, Sparse, int64_t, bool, bool, Names, int64_t>,
                  "this LibTorch's c10d::Reducer constructor is not one roberta knows; see make_reducer");
    return std::make_unique<R>(std::move(params), std::move(buckets), std::move(group), std::move(sparse),
                               bucket_bytes, find_unused, view, std::move(names), first_bucket_bytes);
  }
}

}  // namespace

ReducerGradientSync::ReducerGradientSync(C10dCommunicator& communicator, std::vector<at::Tensor> params)
    : communicator_(communicator) {
  for (size_t i = 0; i < params.size(); i++) {
    TORCH_CHECK(params[i].requires_grad(), "ReducerGradientSync: parameter ", i, " does not require grad");
  }
  const auto& options = communicator.options();
  auto bucket_bytes = static_cast<int64_t>(options.bucket_mb * 1024 * 1024);
  std::vector<bool> sparse(params.size(), false);
  // As DistributedDataParallel does: a small first bucket so communication starts early,
  // buckets in reverse parameter order (the order backward produces gradients).
  auto [bucket_indices, bucket_limits] = c10d::compute_bucket_assignment_by_size(
      params, {static_cast<size_t>(c10d::kDefaultFirstBucketBytes), static_cast<size_t>(bucket_bytes)}, sparse);
  std::reverse(bucket_indices.begin(), bucket_indices.end());
  std::reverse(bucket_limits.begin(), bucket_limits.end());
  std::unordered_map<size_t, std::string> names;
  for (size_t i = 0; i < params.size(); i++) names[i] = "parameter " + std::to_string(i);
  reducer_ = make_reducer(params, std::move(bucket_indices), std::move(bucket_limits), communicator.process_group(),
                          sparse, bucket_bytes, options.find_unused_parameters, std::move(names),
                          c10d::kDefaultFirstBucketBytes);
  reducer_->register_comm_hook(std::make_unique<SumCommHook>(communicator.process_group()));
}

ReducerGradientSync::~ReducerGradientSync() = default;

void ReducerGradientSync::begin_micro_step(bool last, const at::Tensor& loss) {
  last_ = last;
  if (!last) return;  // no_sync: the Reducer's hooks stay idle, grads accumulate locally
  try {
    // After the first synced backward the Reducer re-buckets by the order gradients became
    // ready (a broadcast from rank 0, so every rank calls it at the same point).
    reducer_->rebuild_buckets();
    std::vector<at::Tensor> outputs;
    if (loss.defined()) outputs.push_back(loss);
    reducer_->prepare_for_backward(outputs);
  } catch (const c10::Error& e) {
    communicator_.fail_collective("gradient sync set-up (Reducer)", 0.0, e.what_without_backtrace());
  }
}

void ReducerGradientSync::finish() {
  // The Reducer waits for its buckets at the end of backward itself (finalize_backward);
  // nothing is left to do here.
}

}  // namespace roberta
