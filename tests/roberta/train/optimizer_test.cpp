// AdamW against an independent scalar implementation of PyTorch's AdamW formula
// (torch/optim/adamw.py, non-amsgrad): p *= 1 - lr*wd; m = b1 m + (1-b1) g;
// v = b2 v + (1-b2) g^2; p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps).
#include "roberta/train/optimizer.h"

#include "util/error.h"

#include "tests/catch.h"
#include <ATen/core/grad_mode.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/serialize.h>
#include <caffe2/serialize/inline_container.h>
#include <torch/cuda.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

namespace {

using roberta::Optimizer;
using roberta::OptimizerOptions;

// Linear(3->2) + LayerNorm(2) + a weight tied to the Linear's, as an LM decoder ties the
// embedding table.
struct TinyNet : torch::nn::Module {
  torch::nn::Linear dense{nullptr};
  torch::nn::LayerNorm LayerNorm{nullptr};
  std::shared_ptr<torch::nn::Module> decoder;
  TinyNet() {
    dense = register_module("dense", torch::nn::Linear(3, 2));
    LayerNorm = register_module("LayerNorm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({2})));
    decoder = register_module("decoder", std::make_shared<torch::nn::Module>());
    decoder->register_parameter("weight", dense->weight);  // tied, like the LM decoder
  }
};

struct ScalarAdamW {
  double p, m = 0, v = 0;
  int t = 0;
  void step(double g, double lr, double b1, double b2, double eps, double wd) {
    ++t;
    p *= 1 - lr * wd;
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    const double denom = std::sqrt(v) / std::sqrt(1 - std::pow(b2, t)) + eps;
    p -= lr / (1 - std::pow(b1, t)) * m / denom;
  }
};

void set_grads(TinyNet& net, int step) {
  // Deterministic, step-dependent gradients with both signs.
  for (auto& p : net.parameters()) {
    auto g = at::arange(p.numel(), at::kFloat).reshape(p.sizes());
    p.mutable_grad() = at::sin(g * 0.7 + step) * 0.1;
  }
}

}  // namespace

TEST_CASE("parameter groups: 1-D tensors and matched names do not decay, tied weights once",
          "[train][optimizer]") {
  TinyNet net;
  auto groups = roberta::split_parameters(net, {"1d"});
  // 5 registered names, 4 distinct tensors; dense.weight is the only 2-D one.
  CHECK(net.named_parameters().size() == 5);
  REQUIRE(groups.decay_names == std::vector<std::string>{"dense.weight"});
  CHECK(groups.no_decay_names ==
        std::vector<std::string>{"dense.bias", "LayerNorm.weight", "LayerNorm.bias"});

  auto by_name = roberta::split_parameters(net, {"bias", "LayerNorm.weight"});
  CHECK(by_name.decay_names == std::vector<std::string>{"dense.weight"});
  CHECK(by_name.no_decay.size() == 3);

  auto everything = roberta::split_parameters(net, {});
  CHECK(everything.decay.size() == 4);
  CHECK(everything.no_decay.empty());
}

TEST_CASE("AdamW matches PyTorch's decoupled weight-decay formula", "[train][optimizer]") {
  at::manual_seed(1);
  TinyNet net;
  OptimizerOptions options;
  options.lr = 1e-2;
  options.weight_decay = 0.1;  // large, so a wrong decay rule shows
  Optimizer optimizer(net, options);

  // Reference copies in double, one per element.
  std::vector<std::vector<ScalarAdamW>> reference;
  std::vector<bool> decays;
  for (const auto& p : optimizer.parameters()) {
    auto flat = p.detach().to(at::kDouble).flatten();
    std::vector<ScalarAdamW> elems;
    for (int64_t i = 0; i < flat.numel(); ++i) elems.push_back({flat[i].item<double>()});
    reference.push_back(elems);
    decays.push_back(p.dim() == 2);
  }
  const double lrs[] = {1e-2, 5e-3, 2e-2};
  for (int step = 0; step < 3; ++step) {
    set_grads(net, step);
    optimizer.set_lr(lrs[step]);
    CHECK(optimizer.lr() == lrs[step]);
    for (size_t k = 0; k < reference.size(); ++k) {
      auto g = optimizer.parameters()[k].grad().to(at::kDouble).flatten();
      for (size_t i = 0; i < reference[k].size(); ++i) {
        reference[k][i].step(g[i].item<double>(), lrs[step], 0.9, 0.98, 1e-6,
                             decays[k] ? 0.1 : 0.0);
      }
    }
    optimizer.step();
    optimizer.zero_grad();
  }
  for (size_t k = 0; k < reference.size(); ++k) {
    auto p = optimizer.parameters()[k].detach().to(at::kDouble).flatten();
    for (size_t i = 0; i < reference[k].size(); ++i) {
      CHECK(p[i].item<double>() == Approx(reference[k][i].p).epsilon(1e-5).margin(1e-6));
    }
  }
  // The tied name sees the same (once-updated) tensor.
  CHECK(at::equal(net.decoder->named_parameters()["weight"], net.dense->weight));
}

TEST_CASE("optimizer state save/load resumes bit-identically", "[train][optimizer]") {
  const auto dir = std::filesystem::temp_directory_path() / "roberta_optimizer_test";
  std::filesystem::create_directories(dir);
  const std::string weights = (dir / "weights.pt").string(), state = (dir / "optim.pt").string();

  auto make = [] {
    at::manual_seed(7);
    return std::make_shared<TinyNet>();
  };
  OptimizerOptions options;
  options.lr = 3e-3;

  // Straight: 4 steps.
  auto straight = make();
  Optimizer straight_opt(*straight, options);
  for (int s = 0; s < 4; ++s) {
    set_grads(*straight, s);
    straight_opt.step();
    straight_opt.zero_grad();
  }

  // 2 steps, save, fresh objects, load, 2 steps.
  auto first = make();
  Optimizer first_opt(*first, options);
  for (int s = 0; s < 2; ++s) {
    set_grads(*first, s);
    first_opt.step();
    first_opt.zero_grad();
  }
  {
    torch::serialize::OutputArchive archive;
    first->save(archive);
    archive.save_to(weights);
  }
  first_opt.save(state);

  auto second = make();
  {
    torch::serialize::InputArchive archive;
    archive.load_from(weights);
    second->load(archive);
  }
  Optimizer second_opt(*second, options);
  second_opt.load(state);
  for (int s = 2; s < 4; ++s) {
    set_grads(*second, s);
    second_opt.step();
    second_opt.zero_grad();
  }
  auto a = straight->parameters(), b = second->parameters();
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) CHECK(at::equal(a[i], b[i]));
  std::filesystem::remove_all(dir);
}

namespace {

// Rewrites an optimizer archive as if its tensors had been saved from `device` (e.g. "cuda:0"):
// the pickled storage locations "cpu" become that device, every other record is copied as is.
// This is how a checkpoint written on a GPU looks to a CPU-only machine, made without a GPU.
void relocate_archive(const std::string& from, const std::string& to, const std::string& device) {
  caffe2::serialize::PyTorchStreamReader reader(from);
  caffe2::serialize::PyTorchStreamWriter writer(to);
  const std::string cpu = std::string("X\x03\0\0\0cpu", 8);  // BINUNICODE, length 3, "cpu"
  std::string tag = "X";
  tag += static_cast<char>(device.size());
  tag += std::string(3, '\0') + device;
  int relocated = 0;
  for (const auto& name : reader.getAllRecords()) {
    if (name == "version" || name == ".data/version" || name == "byteorder" || name == ".data/byteorder") continue;
    auto [data, size] = reader.getRecord(name);
    std::string bytes(static_cast<const char*>(data.get()), size);
    if (name == "data.pkl" || name.size() > 9 && name.compare(name.size() - 9, 9, "/data.pkl") == 0) {
      for (size_t at = bytes.find(cpu); at != std::string::npos; at = bytes.find(cpu, at + tag.size())) {
        bytes.replace(at, cpu.size(), tag);
        ++relocated;
      }
    }
    writer.writeRecord(name, bytes.data(), bytes.size());
  }
  writer.writeEndOfFile();
  REQUIRE(relocated > 0);  // else the archive format changed and this test proves nothing
}

}  // namespace

TEST_CASE("an optimizer state saved on a GPU loads on a CPU-only machine, onto the parameters' device",
          "[train][optimizer]") {
  const auto dir = std::filesystem::temp_directory_path() / ("roberta_optimizer_device_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string cpu_state = (dir / "cpu.pt").string(), gpu_state = (dir / "gpu.pt").string();
  at::manual_seed(7);
  TinyNet net;
  OptimizerOptions options;
  options.lr = 3e-3;
  Optimizer saved(net, options);
  for (int s = 0; s < 2; ++s) {
    set_grads(net, s);
    saved.step();
    saved.zero_grad();
  }
  saved.save(cpu_state);
  relocate_archive(cpu_state, gpu_state, "cuda:0");
  if (!torch::cuda::is_available()) {
    // The relocated archive really names the GPU: on a CPU-only machine LibTorch refuses it
    // without a target device (what the optimizer's load used to do).
    torch::serialize::InputArchive archive;
    CHECK_THROWS(archive.load_from(gpu_state));
  }
  Optimizer loaded(net, options);
  loaded.load(gpu_state);
  const auto& want = saved.adamw().state();
  const auto& got = loaded.adamw().state();
  REQUIRE(got.size() == want.size());
  for (const auto& [key, state] : want) {
    const auto& w = static_cast<const torch::optim::AdamWParamState&>(*state);
    const auto& g = static_cast<const torch::optim::AdamWParamState&>(*got.at(key));
    CHECK(g.step() == w.step());
    CHECK(g.exp_avg().device().is_cpu());
    CHECK(at::equal(g.exp_avg(), w.exp_avg()));
    CHECK(at::equal(g.exp_avg_sq(), w.exp_avg_sq()));
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("loading a missing optimizer state names the file", "[train][optimizer]") {
  TinyNet net;
  Optimizer optimizer(net, {});
  CHECK_THROWS_WITH(optimizer.load(std::string("no/such/optim.pt")),
                       Catch::Matchers::ContainsSubstring("no/such/optim.pt"));
}

// Hidden benchmark (run by hand: test_train "[bench]"): does the per-parameter loop of
// LibTorch's AdamW cost anything next to one flat tensor of the same size? roberta-base shapes.
#include <chrono>
TEST_CASE("AdamW step time: roberta-base shapes vs one flat tensor", "[.][bench]") {
  std::vector<std::vector<int64_t>> shapes{{50265, 768}, {514, 768}, {1, 768}, {768}, {768}};
  for (int layer = 0; layer < 12; ++layer) {
    for (int k = 0; k < 4; ++k) {
      shapes.push_back({768, 768});
      shapes.push_back({768});
    }
    shapes.insert(shapes.end(), {{768}, {768}, {3072, 768}, {3072}, {768, 3072}, {768}, {768}, {768}});
  }
  shapes.insert(shapes.end(), {{768, 768}, {768}, {768}, {768}, {50265}});
  auto time_steps = [](std::shared_ptr<torch::nn::Module> module) {
    Optimizer optimizer(*module, {});
    for (auto& p : optimizer.parameters()) p.mutable_grad() = at::randn_like(p) * 1e-3;
    optimizer.step();  // allocates the state
    const auto start = std::chrono::steady_clock::now();
    const int steps = 3;
    for (int s = 0; s < steps; ++s) optimizer.step();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / steps;
  };
  auto many = std::make_shared<torch::nn::Module>();
  int64_t numel = 0;
  for (size_t i = 0; i < shapes.size(); ++i) {
    auto p = many->register_parameter("p" + std::to_string(i), at::randn(shapes[i]) * 0.02);
    numel += p.numel();
  }
  auto flat = std::make_shared<torch::nn::Module>();
  flat->register_parameter("flat", at::randn({numel / 768, 768}) * 0.02);
  const double many_s = time_steps(many), flat_s = time_steps(flat);
  WARN(shapes.size() << " tensors, " << numel << " params: " << many_s * 1e3 << " ms/step; one flat "
                     << "tensor: " << flat_s * 1e3 << " ms/step (threads " << at::get_num_threads() << ")");
}

namespace {

// Two optimizers stepped side by side: the same parameters and options in both.
void copy_parameters(torch::nn::Module& from, torch::nn::Module& to) {
  at::NoGradGuard no_grad;
  auto a = from.parameters(), b = to.parameters();
  for (size_t i = 0; i < a.size(); ++i) b[i].copy_(a[i]);
}

OptimizerOptions twin_options() {
  OptimizerOptions options;
  options.lr = 3e-3;
  options.weight_decay = 0.1;
  return options;
}

}  // namespace

TEST_CASE("the fused CPU AdamW pass equals LibTorch's AdamW, and their states interchange",
          "[train][optimizer]") {
  // Two identical nets, one stepped by the fused pass, one by torch::optim::AdamW itself.
  at::manual_seed(3);
  TinyNet fused_net, torch_net;
  copy_parameters(fused_net, torch_net);
  Optimizer fused(fused_net, twin_options()), reference(torch_net, twin_options());
  CHECK(fused.kernel() == Optimizer::Kernel::kFusedCpu);
  reference.set_kernel(Optimizer::Kernel::kLibTorch);
  const at::Tensor initial = fused.parameters()[0].detach().clone();
  auto max_rel_diff = [&] {
    double worst = 0;
    for (size_t k = 0; k < fused.parameters().size(); ++k) {
      const at::Tensor a = fused.parameters()[k].detach(), b = reference.parameters()[k].detach();
      worst = std::max(worst, ((a - b).abs() / (b.abs() + 1e-6)).max().item<double>());
    }
    return worst;
  };
  for (int step = 0; step < 6; ++step) {
    set_grads(fused_net, step);
    set_grads(torch_net, step);
    fused.step();
    reference.step();
  }
  // Same float32 formula in the same order; FMA contraction may move the last bit.
  CHECK(max_rel_diff() < 1e-5);
  // The moments too: the fused pass keeps its state in AdamW's own slots.
  const std::string path = (std::filesystem::temp_directory_path() / "roberta_fused_adamw.pt").string();
  fused.save(path);
  reference.load(path);  // the fused state continues under LibTorch's step, and vice versa
  set_grads(fused_net, 7);
  set_grads(torch_net, 7);
  fused.step();
  reference.step();
  CHECK(max_rel_diff() < 1e-5);
  // And the parameters moved: two no-op steps would pass the comparisons too.
  CHECK_FALSE(at::allclose(fused.parameters()[0].detach(), initial, 1e-4, 0));
  std::filesystem::remove(path);
}

TEST_CASE("the foreach AdamW equals LibTorch's AdamW bit for bit on CPU, also when a parameter "
          "skipped a step", "[train][optimizer]") {
  at::manual_seed(4);
  TinyNet foreach_net, torch_net;
  copy_parameters(foreach_net, torch_net);
  Optimizer multi(foreach_net, twin_options()), reference(torch_net, twin_options());
  multi.set_kernel(Optimizer::Kernel::kForeach);
  reference.set_kernel(Optimizer::Kernel::kLibTorch);
  const at::Tensor initial = multi.parameters()[0].detach().clone();
  for (int step = 0; step < 6; ++step) {
    set_grads(foreach_net, step);
    set_grads(torch_net, step);
    if (step == 2) {  // the first parameter has no gradient: its step count falls behind
      multi.parameters()[0].mutable_grad().reset();
      reference.parameters()[0].mutable_grad().reset();
    }
    multi.step();
    reference.step();
  }
  for (size_t k = 0; k < multi.parameters().size(); ++k) {
    INFO("parameter " << k);
    // On CPU the foreach ops run ATen's per-tensor kernels in LibTorch's order: identical.
    CHECK(at::equal(multi.parameters()[k].detach(), reference.parameters()[k].detach()));
  }
  CHECK_FALSE(at::allclose(multi.parameters()[0].detach(), initial, 1e-4, 0));
}
