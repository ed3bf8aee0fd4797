// AdamW with decoupled weight decay over a module's parameters, split into a decaying and a
// non-decaying group (optim.no_decay), each shared tensor counted once. Wraps LibTorch's
// torch::optim::AdamW, whose update is PyTorch's AdamW formula (checked in the tests); on CPU
// float32 the update runs as one fused pass per tensor over the same state, elsewhere as
// multi-tensor (foreach) ops.
#pragma once

#include "roberta/train/options.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/optim/adamw.h>

#include <memory>
#include <string>
#include <vector>

namespace torch::serialize {
class InputArchive;
class OutputArchive;
}  // namespace torch::serialize

namespace roberta {

// Which trainable parameters decay. Names are those of named_parameters(); a tensor
// registered under two names (tied embeddings / LM decoder) appears once, under its first name.
struct ParameterGroups {
  std::vector<at::Tensor> decay;
  std::vector<std::string> decay_names;
  std::vector<at::Tensor> no_decay;
  std::vector<std::string> no_decay_names;
};

// True when `name` / `param` matches a no_decay pattern: "1d" = any 1-D tensor, else substring.
bool is_no_decay(const std::string& name, const at::Tensor& param,
                 const std::vector<std::string>& patterns);

ParameterGroups split_parameters(const torch::nn::Module& module,
                                 const std::vector<std::string>& no_decay);

class Optimizer {
 public:
  // Build after the module is on its final device (the state is allocated next to the params).
  Optimizer(const torch::nn::Module& module, const OptimizerOptions& options);

  void step();                           // one AdamW update from the current .grad

  // How step() runs the update; the formula and the saved state are LibTorch's in all three.
  enum class Kernel {
    kFusedCpu,  // one pass per tensor (fused_adamw.h): every parameter contiguous CPU float32
    kForeach,   // ~8 multi-tensor ops over all parameters with the same step count
                // (at::_foreach_*: one CUDA launch per op and chunk of tensors, not per tensor)
    kLibTorch,  // torch::optim::AdamW::step: ~9 elementwise ops per tensor
  };
  // Default: kFusedCpu where it applies, else kForeach. kFusedCpu where it does not apply
  // falls back to kForeach.
  void set_kernel(Kernel kernel) { kernel_ = kernel == Kernel::kFusedCpu && !fusable_ ? Kernel::kForeach : kernel; }
  Kernel kernel() const { return kernel_; }
  void zero_grad(bool set_to_none = true);
  void set_lr(double lr);                // every group; the schedule calls it before step()
  double lr() const;

  // The whole state (moments, step counts, hyper-parameters). Loading requires an optimizer
  // built over the same module structure; resume is bit-identical.
  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);
  void save(const std::string& path) const;
  // Error naming the file if missing or unreadable. The moments land on the parameters'
  // device, whatever device they were saved from (a GPU checkpoint resumes on a CPU, on
  // another GPU, and the reverse).
  void load(const std::string& path);

  const std::vector<at::Tensor>& parameters() const { return parameters_; }  // unique, all groups
  const ParameterGroups& groups() const { return groups_; }
  torch::optim::AdamW& adamw() { return *adamw_; }

 private:
  ParameterGroups groups_;
  std::vector<at::Tensor> parameters_;
  std::unique_ptr<torch::optim::AdamW> adamw_;
  bool fusable_ = false;
  Kernel kernel_ = Kernel::kForeach;

  // The state slot of p, created (step 0, zero moments) on first use.
  torch::optim::AdamWParamState& state_of(const at::Tensor& p);
  void step_fused_cpu();
  void step_foreach();
};

}  // namespace roberta
