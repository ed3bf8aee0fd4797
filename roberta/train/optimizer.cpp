// Parameter grouping and the AdamW wrapper (see optimizer.h).
#include "roberta/train/optimizer.h"

#include <algorithm>
#include <cmath>

#include "roberta/train/fused_adamw.h"

#include "util/error.h"

#include <torch/serialize.h>

#include <map>
#include <sstream>
#include <type_traits>
#include <unordered_set>

namespace roberta {

bool is_no_decay(const std::string& name, const at::Tensor& param,
                 const std::vector<std::string>& patterns) {
  for (const auto& pattern : patterns) {
    if (pattern == "1d") {
      if (param.dim() <= 1) return true;
    } else if (!pattern.empty() && name.find(pattern) != std::string::npos) {
      return true;
    }
  }
  return false;
}

ParameterGroups split_parameters(const torch::nn::Module& module,
                                 const std::vector<std::string>& no_decay) {
  ParameterGroups groups;
  // Tied weights are one TensorImpl under two names: giving it to AdamW twice would apply
  // two updates per step.
  std::unordered_set<const void*> seen;
  for (const auto& item : module.named_parameters(/*recurse=*/true)) {
    const at::Tensor& param = item.value();
    if (!param.requires_grad()) continue;
    if (!seen.insert(param.unsafeGetTensorImpl()).second) continue;
    if (is_no_decay(item.key(), param, no_decay)) {
      groups.no_decay.push_back(param);
      groups.no_decay_names.push_back(item.key());
    } else {
      groups.decay.push_back(param);
      groups.decay_names.push_back(item.key());
    }
  }
  return groups;
}

Optimizer::Optimizer(const torch::nn::Module& module, const OptimizerOptions& options)
    : groups_(split_parameters(module, options.no_decay)) {
  torch::optim::AdamWOptions base(options.lr);
  base.betas({options.betas[0], options.betas[1]}).eps(options.eps).amsgrad(false).weight_decay(0.0);
  torch::optim::AdamWOptions decaying = base;
  decaying.weight_decay(options.weight_decay);
  std::vector<torch::optim::OptimizerParamGroup> param_groups;
  // Empty groups are dropped: AdamW rejects none, but they would only confuse save/load.
  if (!groups_.decay.empty()) {
    param_groups.emplace_back(groups_.decay, std::make_unique<torch::optim::AdamWOptions>(decaying));
  }
  if (!groups_.no_decay.empty()) {
    param_groups.emplace_back(groups_.no_decay,
                              std::make_unique<torch::optim::AdamWOptions>(base));
  }
  parameters_ = groups_.decay;
  parameters_.insert(parameters_.end(), groups_.no_decay.begin(), groups_.no_decay.end());
  adamw_ = std::make_unique<torch::optim::AdamW>(std::move(param_groups), base);
  // The fused pass needs every parameter (hence its moments) as a contiguous CPU float32 tensor.
  fusable_ = std::all_of(parameters_.begin(), parameters_.end(), [](const at::Tensor& p) {
    return p.device().is_cpu() && p.scalar_type() == at::kFloat && p.is_contiguous();
  });
  kernel_ = fusable_ ? Kernel::kFusedCpu : Kernel::kForeach;
}

namespace {

// The key torch::optim keeps a parameter's state under. LibTorch 1.13 prints the TensorImpl
// address as text (c10::guts::to_string, gone in 2.x); 2.x uses the address itself. Chosen by
// the state map's own key type, not by a version number.
template <typename Key>
Key state_key(const at::Tensor& p) {
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream text;
    text << static_cast<const void*>(p.unsafeGetTensorImpl());
    return text.str();
  } else {
    return p.unsafeGetTensorImpl();
  }
}

}  // namespace

torch::optim::AdamWParamState& Optimizer::state_of(const at::Tensor& p) {
  auto& states = adamw_->state();
  const auto key = state_key<typename std::decay_t<decltype(states)>::key_type>(p);
  auto it = states.find(key);
  if (it == states.end()) {
    auto fresh = std::make_unique<torch::optim::AdamWParamState>();
    fresh->step(0);
    fresh->exp_avg(at::zeros_like(p, at::MemoryFormat::Preserve));
    fresh->exp_avg_sq(at::zeros_like(p, at::MemoryFormat::Preserve));
    it = states.emplace(key, std::move(fresh)).first;
  }
  return static_cast<torch::optim::AdamWParamState&>(*it->second);
}

void Optimizer::step() {
  at::NoGradGuard no_grad;
  switch (kernel_) {
    case Kernel::kFusedCpu: return step_fused_cpu();
    case Kernel::kForeach: return step_foreach();
    case Kernel::kLibTorch:
      adamw_->step();
      return;
  }
}

// torch::optim::AdamW::step's update, state and bookkeeping (same state map, keys and
// AdamWParamState, so save/load are LibTorch's), its elementwise chain fused into one pass.
void Optimizer::step_fused_cpu() {
  for (auto& group : adamw_->param_groups()) {
    const auto& o = static_cast<const torch::optim::AdamWOptions&>(group.options());
    const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      const at::Tensor grad = p.grad().contiguous();
      auto& state = state_of(p);
      state.step(state.step() + 1);
      AdamWScalars s;
      s.decay_factor = static_cast<float>(1 - o.lr() * o.weight_decay());
      s.beta1 = static_cast<float>(beta1);
      s.beta2 = static_cast<float>(beta2);
      s.step_size = static_cast<float>(o.lr() / (1 - std::pow(beta1, state.step())));
      s.bias2_sqrt = static_cast<float>(std::sqrt(1 - std::pow(beta2, state.step())));
      s.eps = static_cast<float>(o.eps());
      fused_adamw_cpu(p.data_ptr<float>(), grad.data_ptr<float>(), state.exp_avg().data_ptr<float>(),
                      state.exp_avg_sq().data_ptr<float>(), p.numel(), s);
    }
  }
}

// The same update as multi-tensor ops, in torch::optim::AdamW's operation order, over every
// parameter of a group that has a gradient and the same step count (all of them, unless a
// parameter went without a gradient on some step).
void Optimizer::step_foreach() {
  struct Batch {
    std::vector<at::Tensor> params, grads, exp_avgs, exp_avg_sqs;
  };
  for (auto& group : adamw_->param_groups()) {
    const auto& o = static_cast<const torch::optim::AdamWOptions&>(group.options());
    const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
    std::map<int64_t, Batch> by_step;
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& state = state_of(p);
      state.step(state.step() + 1);
      Batch& batch = by_step[state.step()];
      batch.params.push_back(p);
      batch.grads.push_back(p.grad());
      batch.exp_avgs.push_back(state.exp_avg());
      batch.exp_avg_sqs.push_back(state.exp_avg_sq());
    }
    for (auto& [step, b] : by_step) {
      const double bias1 = 1 - std::pow(beta1, step), bias2 = 1 - std::pow(beta2, step);
      if (o.weight_decay() != 0) at::_foreach_mul_(b.params, 1 - o.lr() * o.weight_decay());
      at::_foreach_mul_(b.exp_avgs, beta1);
      at::_foreach_add_(b.exp_avgs, b.grads, 1 - beta1);
      at::_foreach_mul_(b.exp_avg_sqs, beta2);
      at::_foreach_addcmul_(b.exp_avg_sqs, b.grads, b.grads, 1 - beta2);
      std::vector<at::Tensor> denom = at::_foreach_sqrt(b.exp_avg_sqs);
      at::_foreach_div_(denom, std::sqrt(bias2));
      at::_foreach_add_(denom, o.eps());
      at::_foreach_addcdiv_(b.params, b.exp_avgs, denom, -o.lr() / bias1);
    }
  }
}

void Optimizer::zero_grad(bool set_to_none) {
  for (auto& param : parameters_) {
    auto& grad = param.mutable_grad();
    if (!grad.defined()) continue;
    if (set_to_none) {
      grad.reset();
    } else {
      grad = grad.detach();
      grad.zero_();
    }
  }
}

void Optimizer::set_lr(double lr) {
  for (auto& group : adamw_->param_groups()) {
    static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
  }
}

double Optimizer::lr() const {
  const auto& group = adamw_->param_groups().front();
  return static_cast<const torch::optim::AdamWOptions&>(group.options()).lr();
}

void Optimizer::save(torch::serialize::OutputArchive& archive) const { adamw_->save(archive); }

void Optimizer::load(torch::serialize::InputArchive& archive) { adamw_->load(archive); }

void Optimizer::save(const std::string& path) const {
  torch::serialize::OutputArchive archive;
  save(archive);
  try {
    archive.save_to(path);
  } catch (const c10::Error& e) {
    fail("{}: cannot write the optimizer state: {}", path, e.what_without_backtrace());
  }
}

void Optimizer::load(const std::string& path) {
  torch::serialize::InputArchive archive;
  try {
    // Mapped on reading: a CUDA-saved archive cannot even be opened on a CPU-only machine
    // without a target device.
    archive.load_from(path, parameters_.empty() ? c10::Device(c10::kCPU) : parameters_.front().device());
    load(archive);
  } catch (const c10::Error& e) {
    fail("{}: expected an optimizer state saved for this model ({} parameters in {} groups), "
         "found an unreadable or mismatched file: {}",
         path, parameters_.size(), adamw_->param_groups().size(), e.what_without_backtrace());
  }
}

}  // namespace roberta
