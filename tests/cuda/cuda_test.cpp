// The GPU half of the contracts, tagged [cuda]: built when LibTorch has CUDA, and each case
// reports itself skipped when no device is visible (tests/CMakeLists.txt reports the whole
// executable as skipped where LibTorch has no CUDA). Reference for every numeric check: the
// same computation in CPU fp32.
#include <ATen/ATen.h>
#include <torch/cuda.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "data/loader.h"
#include "roberta/dist/c10d_communicator.h"
#include "roberta/dist/launcher.h"
#include "roberta/dist/single_process_communicator.h"
#include "roberta/model/attention_kernel.h"
#include "roberta/model/task_models.h"
#include "roberta/train/loss.h"
#include "roberta/train/precision.h"
#include "roberta/train/pretrainer.h"
#include "tests/roberta/train/pretrain_inprocess.h"

#undef CHECK
#include "tests/catch.h"

namespace fs = std::filesystem;
using namespace roberta;

#define REQUIRE_CUDA()                                                           \
  do {                                                                           \
    if (!torch::cuda::is_available()) ROBERTA_SKIP("no CUDA device visible");    \
  } while (0)

namespace {

ModelOptions small_model() {
  ModelOptions o;
  o.layers = 2;
  o.hidden = 64;
  o.heads = 4;
  o.ffn = 256;
  o.vocab_size = 512;
  o.max_positions = 128;
  o.dropout = 0.0;
  o.attention_dropout = 0.0;
  return o;
}

// Random ids in [4, 512) with the last 7 positions of sequence 1 padded.
at::Tensor sample_ids() {
  at::manual_seed(5);
  at::Tensor ids = at::randint(4, 512, {3, 48}, at::kLong);  // [B,T]
  ids.index_put_({1, at::indexing::Slice(41, at::indexing::None)}, 1);
  return ids;
}

// Loss and gradients of the masked-LM loss over every position of sample_ids().
struct ForwardBackward {
  double loss = 0;
  std::vector<at::Tensor> grads;  // CPU fp32, one per parameter
};

ForwardBackward run(RobertaForMaskedLM& model, const c10::Device& device, Precision precision) {
  model->to(device);
  model->zero_grad(/*set_to_none=*/true);  // 1.13 defaults to zeroing in place, on the old device
  at::Tensor ids = sample_ids().to(device);
  at::Tensor positions = at::arange(ids.numel(), at::TensorOptions().dtype(at::kLong).device(device));
  at::Tensor loss;
  {
    AutocastScope autocast(precision, device);
    at::Tensor logits = model->forward(ids, positions);  // [B*T,V]
    loss = mlm_loss_sum(logits, ids.reshape({-1})) / double(ids.numel());
  }
  loss.backward();
  ForwardBackward out;
  out.loss = loss.item<double>();
  for (const auto& p : model->parameters()) out.grads.push_back(p.grad().to(at::kCPU, at::kFloat));
  return out;
}

double max_relative(const at::Tensor& got, const at::Tensor& want) {
  return ((got - want).abs().max() / want.abs().max().clamp_min(1e-12)).item<double>();
}

double cosine(const at::Tensor& a, const at::Tensor& b) {
  return (a.flatten().dot(b.flatten()) / (a.norm() * b.norm()).clamp_min(1e-30)).item<double>();
}

}  // namespace

TEST_CASE("cuda: fp32 forward and backward agree with the CPU", "[cuda]") {
  REQUIRE_CUDA();
  torch::manual_seed(1);
  RobertaForMaskedLM model(small_model());
  ForwardBackward cpu = run(model, c10::Device(c10::kCPU), Precision::fp32);
  ForwardBackward gpu = run(model, c10::Device(c10::kCUDA, 0), Precision::fp32);
  CHECK(std::abs(gpu.loss - cpu.loss) <= 1e-5 * std::abs(cpu.loss));
  double worst = 0;
  for (size_t i = 0; i < cpu.grads.size(); ++i) worst = std::max(worst, max_relative(gpu.grads[i], cpu.grads[i]));
  INFO("worst relative gradient difference " << worst);
  CHECK(worst < 1e-3);
}

TEST_CASE("cuda: bf16 autocast stays within bf16 precision of fp32", "[cuda]") {
  REQUIRE_CUDA();
  torch::manual_seed(1);
  RobertaForMaskedLM model(small_model());
  ForwardBackward ref = run(model, c10::Device(c10::kCPU), Precision::fp32);
  ForwardBackward bf16 = run(model, c10::Device(c10::kCUDA, 0), Precision::bf16);
  // bf16 keeps 8 significant bits: ~0.4% per rounding, a few percent after a few layers.
  CHECK(std::abs(bf16.loss - ref.loss) <= 2e-2 * std::abs(ref.loss));
  double worst = 1;
  for (size_t i = 0; i < ref.grads.size(); ++i) {
    if (ref.grads[i].norm().item<double>() > 0) worst = std::min(worst, cosine(bf16.grads[i], ref.grads[i]));
  }
  INFO("lowest gradient cosine similarity " << worst);
  CHECK(worst > 0.99);
}

TEST_CASE("cuda: fused attention equals softmax(q k^T / sqrt(d) + mask) v", "[cuda]") {
  REQUIRE_CUDA();
  if (!attention_kernel_is_fused()) ROBERTA_SKIP("this LibTorch has no fused attention (1.13)");
  at::manual_seed(2);
  auto opts = at::TensorOptions().device(c10::Device(c10::kCUDA, 0));
  at::Tensor q = at::randn({2, 4, 40, 16}, opts), k = at::randn({2, 4, 40, 16}, opts), v = at::randn({2, 4, 40, 16}, opts);
  at::Tensor mask = at::zeros({2, 1, 1, 40}, opts);
  mask.index_put_({1, 0, 0, at::indexing::Slice(30, at::indexing::None)}, -3.4e38);
  at::Tensor fused = attention_kernel(q, k, v, mask, 0.0).cpu();
  at::Tensor scores = at::matmul(q.cpu(), k.cpu().transpose(-2, -1)) / 4.0 + mask.cpu();  // [B,N,T,T]
  at::Tensor want = at::matmul(at::softmax(scores, -1), v.cpu());
  CHECK(max_relative(fused, want) < 1e-4);
  // Without a mask (an unpadded batch) the mask-free kernel must agree too.
  at::Tensor open = attention_kernel(q, k, v, at::Tensor(), 0.0).cpu();
  at::Tensor want_open = at::matmul(at::softmax(at::matmul(q.cpu(), k.cpu().transpose(-2, -1)) / 4.0, -1), v.cpu());
  CHECK(max_relative(open, want_open) < 1e-4);
}

TEST_CASE("cuda: a checkpoint saved on the GPU resumes on the CPU, and the reverse", "[cuda]") {
  REQUIRE_CUDA();
  const std::string name = "cuda_cpu_resume";
  fs::remove_all(test::inprocess_root(name));
  SingleProcessCommunicator gpu_comm(DistEnvironment{}, c10::Device(c10::kCUDA, 0));
  SingleProcessCommunicator cpu_comm;
  Config on_gpu = test::inprocess_config(name, 2, {"train.device=cuda", "train.precision=fp32"});
  REQUIRE(pretrain(on_gpu, gpu_comm).step == 2);
  Config on_cpu = test::inprocess_config(name, 3, {"train.device=cpu"});
  PretrainResult cpu = pretrain(on_cpu, cpu_comm, /*force_resume=*/true);
  CHECK(cpu.step == 3);
  CHECK(std::isfinite(cpu.last_train_loss));
  Config back = test::inprocess_config(name, 4, {"train.device=cuda", "train.precision=fp32"});
  PretrainResult gpu = pretrain(back, gpu_comm, /*force_resume=*/true);
  CHECK(gpu.step == 4);
  CHECK(std::isfinite(gpu.last_train_loss));
  fs::remove_all(test::inprocess_root(name));
}

TEST_CASE("cuda: a one-rank NCCL process group runs real training steps", "[cuda][dist]") {
  REQUIRE_CUDA();
  if (!nccl_built()) ROBERTA_SKIP("this LibTorch has CUDA but no NCCL");
  const std::string name = "cuda_nccl";
  fs::remove_all(test::inprocess_root(name));
  DistOptions options;
  options.backend = "nccl";
  options.timeout_s = 120;
  DistEnvironment env;
  env.master_port = find_free_port();
  env.source = "test";
  const c10::Device device(c10::kCUDA, 0);
  C10dCommunicator nccl(options, env, "nccl", device);
  Config config = test::inprocess_config(name, 3, {"train.device=cuda", "train.precision=bf16"});
  PretrainResult result = pretrain(config, nccl);
  nccl.shutdown();
  CHECK(result.step == 3);
  CHECK(std::isfinite(result.last_train_loss));
  CHECK(std::isfinite(result.last_valid_loss));
  fs::remove_all(test::inprocess_root(name));
}

TEST_CASE("cuda: fp16 with dynamic loss scaling trains", "[cuda]") {
  REQUIRE_CUDA();
  const std::string name = "cuda_fp16";
  fs::remove_all(test::inprocess_root(name));
  SingleProcessCommunicator comm(DistEnvironment{}, c10::Device(c10::kCUDA, 0));
  Config config = test::inprocess_config(name, 6, {"train.device=cuda", "train.precision=fp16", "train.loss_scale=dynamic"});
  PretrainResult result = pretrain(config, comm);
  CHECK(result.step == 6);
  CHECK(std::isfinite(result.last_train_loss));
  CHECK(result.last_train_loss < std::log(64.0) + 1.0);  // not diverged: about a uniform guess or better
  fs::remove_all(test::inprocess_root(name));
}

TEST_CASE("cuda: pinned batches copy to the GPU asynchronously and exactly", "[cuda]") {
  REQUIRE_CUDA();
  const std::string name = "cuda_pinned";
  Config config = test::inprocess_config(name, 1);
  auto dataset = data::Dataset::open(config.data.shard_dir + "/train");
  data::LoaderOptions options;
  options.micro_batch = 4;
  options.pin_memory = true;
  data::Loader loader(dataset, config.data.format_options(), config.masking, options);
  data::Batch batch = loader.next();
  CHECK(batch.input_ids.is_pinned());
  CHECK(batch.masked_targets.is_pinned());
  at::Tensor on_gpu = batch.input_ids.to(c10::Device(c10::kCUDA, 0), /*non_blocking=*/true);
  CHECK(at::equal(on_gpu.cpu(), batch.input_ids));
  CHECK(batch.padded == batch.input_ids.eq(1).any().item<bool>());
  fs::remove_all(test::inprocess_root(name));
}
