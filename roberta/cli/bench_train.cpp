// `roberta bench train CFG [--batch B] [--seq-len T] [--steps N] [--json]`: full training
// steps of the config's masked-LM (forward with the LM head on the masked rows only, backward,
// AdamW) on random token batches, timed after a warm-up. MFU = model FLOPs per step (docs/roberta.md:
// 6 x non-embedding params + 12 x layers x T x H per token, 6 x H x V per masked token) / step
// time / the fp32 matmul rate measured in the same run, so the figure is about this machine now.
//
// Legend: B = batch, T = sequence length, H = hidden, V = vocabulary, M = masked positions.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/GradMode.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/resource.h>
#ifdef ROBERTA_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "roberta/cli/bench.h"
#include "roberta/config/config.h"
#include "roberta/model/task_models.h"
#include "roberta/train/loss.h"
#include "roberta/train/optimizer.h"
#include "roberta/train/lr_schedule.h"
#include "roberta/train/precision.h"
#include "roberta/train/trainer.h"
#include "roberta/dist/single_process_communicator.h"
#include "util/error.h"

namespace roberta::cli {
namespace {

struct BenchTrainArgs {
  ConfigArgs config;
  int64_t batch = 0;         // sequences per step; 0: the config's batch.micro
  int64_t seq_len = 0;       // tokens per sequence; 0: the config's data.seq_len
  int64_t steps = 10;        // timed steps (after the warm-up)
  int64_t warmup = 3;        // untimed steps: allocator and thread-pool warm-up
  double mask_prob = 0.15;   // share of positions through the LM head (RoBERTa's 15%)
  int64_t matmul_size = 2048;  // n of the n x n x n fp32 matmul that sets the reference rate
  bool json = false;         // one JSON object instead of text
};

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// GFLOP/s of an n x n x n matmul on `device` in the dtype the step's matmuls run in (fp32, or
// bf16 / fp16 under autocast, whose peak on a GPU is several times fp32's): median of 5 after
// one warm-up.
double matmul_gflops(int64_t n, c10::Device device, Precision precision) {
  c10::NoGradGuard no_grad;
  const auto options = at::TensorOptions().device(device).dtype(compute_dtype(precision));
  at::Tensor a = at::randn({n, n}, options);
  at::Tensor b = at::randn({n, n}, options);
  at::Tensor c = at::empty({n, n}, options);
  std::vector<double> ms;
  for (int i = 0; i < 6; ++i) {
    const auto start = std::chrono::steady_clock::now();
    at::mm_out(c, a, b);
    c.sum().item<float>();  // waits for the device
    if (i > 0) ms.push_back(ms_since(start));
  }
  return 2.0 * double(n) * n * n / (median(ms) * 1e-3) / 1e9;
}

// Parameters that are not lookup tables: everything but the word / position / token-type
// embeddings and the LM output bias (the tied decoder's matmul is the separate 6 H V term).
int64_t non_embedding_parameters(const RobertaForMaskedLMImpl& model) {
  const auto& emb = *model.roberta->embeddings;
  return count_parameters(model) - emb.word_embeddings->weight.numel() -
         emb.position_embeddings->weight.numel() - emb.token_type_embeddings->weight.numel() -
         model.lm_head->bias.numel();
}

// Peak bytes the CUDA caching allocator handed out on `device` (all pools), in MB; 0 off CUDA.
int64_t cuda_peak_mb(const c10::Device& device) {
#ifdef ROBERTA_WITH_CUDA
  if (device.is_cuda()) {
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.index());
    return stats.allocated_bytes[0].peak / (1024 * 1024);  // [0]: the aggregate over pools
  }
#endif
  (void)device;
  return 0;
}

// The bench's workload: one fixed random batch, every update (the shared Trainer's unit).
class BenchUnit : public TrainingUnit {
 public:
  BenchUnit(RobertaForMaskedLM& model, int64_t batch, int64_t seq_len, int64_t masked, const c10::Device& device)
      : model_(model), masked_(masked), tokens_(batch * seq_len) {
    const int64_t vocab = model->options().vocab_size;
    const auto long_opts = at::TensorOptions().dtype(at::kLong);
    input_ids_ = at::randint(4, vocab - 1, {batch, seq_len}, long_opts).to(device);  // [B,T]
    positions_ = std::get<0>(at::sort(at::randperm(batch * seq_len, long_opts).narrow(0, 0, masked))).to(device);  // [M]
    targets_ = at::randint(4, vocab - 1, {masked}, long_opts).to(device);  // [M]
  }
  torch::nn::Module& module() override { return *model_; }
  UpdateWindow next_window() override { return {/*micro_batches=*/1, masked_, 0, tokens_}; }
  MicroLoss micro_loss(int64_t) override {
    return {mlm_loss_sum(model_->forward(input_ids_, positions_, /*padded=*/false), targets_), {}};
  }

 private:
  RobertaForMaskedLM& model_;
  int64_t masked_, tokens_;
  at::Tensor input_ids_, positions_, targets_;
};

int run_bench_train(const BenchTrainArgs& args) {
  Config config = load_config(args.config.files, args.config.overrides);
  const c10::Device device = resolve_device(config.train.device);
  const Precision precision = resolve_precision(config.train.precision, device);
  const int64_t batch = args.batch > 0 ? args.batch : config.batch.micro;
  const int64_t seq_len = args.seq_len > 0 ? args.seq_len : config.data.seq_len;
  const ModelOptions& m = config.model;
  if (seq_len > m.max_positions) {
    fail("--seq-len {}: expected at most model.max_positions = {}", seq_len, m.max_positions);
  }

  torch::manual_seed(config.train.seed);
  RobertaForMaskedLM model(m);
  model->to(device);
  Optimizer optimizer(*model, config.optim.optimizer_options());
  // A flat schedule at optim.lr: the step's cost does not depend on the rate.
  ScheduleOptions flat;
  flat.kind = ScheduleKind::constant;
  flat.warmup_steps = 0;
  const LrSchedule schedule(config.optim.lr, args.warmup + args.steps, flat);

  // Random ids above the special ids (no pads: every position is a real token), a fixed share
  // of positions masked, random targets: the step's cost does not depend on the values.
  const int64_t masked = std::max<int64_t>(1, static_cast<int64_t>(args.mask_prob * batch * seq_len + 0.5));
  BenchUnit unit(model, batch, seq_len, masked, device);
  // The training step itself, as pretraining runs it (the shared Trainer: loss divisor,
  // autocast, loss scaling, the non-finite guard, clipping, AdamW), without files or ranks.
  SingleProcessCommunicator single(DistEnvironment{}, device);
  Trainer trainer(config, single, unit, optimizer, schedule, device, precision, /*write_outputs=*/false);

  std::vector<double> step_ms;
  double loss_value = 0;
  for (int64_t i = 0; i < args.warmup + args.steps; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const UpdateStats stats = trainer.update(i + 1);
    // Wait for the optimizer's kernels too: reading a value back syncs the device's stream.
    if (device.is_cuda()) at::zeros({1}, at::TensorOptions().device(device)).item<float>();
    loss_value = stats.loss_sum / double(std::max<int64_t>(1, stats.global_targets));
    if (i >= args.warmup) step_ms.push_back(ms_since(start));
  }

  const double gflops_matmul = matmul_gflops(args.matmul_size, device, precision);
  const double ms = median(step_ms);
  const int64_t tokens = batch * seq_len;
  const int64_t params = count_parameters(*model);
  const int64_t non_embedding = non_embedding_parameters(*model);
  const double model_flops = 6.0 * non_embedding * tokens +
                             12.0 * m.layers * seq_len * m.hidden * tokens +
                             6.0 * m.hidden * m.vocab_size * masked;
  const double achieved_gflops = model_flops / (ms * 1e-3) / 1e9;
  const double mfu = achieved_gflops / gflops_matmul;
  const double tokens_per_s = tokens / (ms * 1e-3);

  if (args.json) {
    nlohmann::json j = {{"implementation", "roberta (C++ LibTorch)"},
                        {"device", device.str()},
                        {"precision", to_string(precision)},
                        {"threads", at::get_num_threads()},
                        {"batch", batch},
                        {"seq_len", seq_len},
                        {"masked", masked},
                        {"steps", args.steps},
                        {"step_ms", ms},
                        {"step_ms_min", *std::min_element(step_ms.begin(), step_ms.end())},
                        {"step_ms_all", step_ms},
                        {"tokens_per_s", tokens_per_s},
                        {"model_gflop_per_step", model_flops / 1e9},
                        {"achieved_gflops", achieved_gflops},
                        {"matmul_gflops", gflops_matmul},
                        {"mfu", mfu},
                        {"parameters", params},
                        {"non_embedding_parameters", non_embedding},
                        {"vocab_size", m.vocab_size},
                        {"layers", m.layers},
                        {"hidden", m.hidden},
                        {"heads", m.heads},
                        {"ffn", m.ffn},
                        {"dropout", m.dropout},
                        {"attention_dropout", m.attention_dropout},
                        {"peak_rss_mb", peak_rss_mb()},
                        {"cuda_peak_mb", cuda_peak_mb(device)},
                        {"final_loss", loss_value}};
    fmt::print("{}\n", j.dump());
  } else {
    fmt::print("bench train: {} parameters ({} non-embedding), vocab {}, device {} {}, {} threads\n",
               params, non_embedding, m.vocab_size, device.str(), to_string(precision),
               at::get_num_threads());
    fmt::print("  shape B={} T={}, {} masked positions through the LM head, {} timed steps after {} warm-up\n",
               batch, seq_len, masked, args.steps, args.warmup);
    fmt::print("  step_ms {:.1f} (median; min {:.1f}) | tokens_per_s {:.0f} | model {:.2f} GFLOP/step = {:.1f} GFLOP/s\n",
               ms, *std::min_element(step_ms.begin(), step_ms.end()), tokens_per_s, model_flops / 1e9,
               achieved_gflops);
    fmt::print("  matmul_gflops {:.1f} ({}^3 {}) | mfu {:.1f}% | peak_rss_mb {}\n", gflops_matmul,
               args.matmul_size, to_string(precision), 100 * mfu, peak_rss_mb());
  }
  return 0;
}

CommandRun setup_bench_train(CLI::App& sub) {
  auto args = std::make_shared<BenchTrainArgs>();
  add_config_args(sub, args->config);
  sub.add_option("--batch", args->batch, "sequences per step (default: the config's batch.micro)");
  sub.add_option("--seq-len", args->seq_len, "tokens per sequence (default: the config's data.seq_len)");
  sub.add_option("--steps", args->steps, "timed steps")->check(CLI::PositiveNumber);
  sub.add_option("--warmup", args->warmup, "untimed warm-up steps")->check(CLI::NonNegativeNumber);
  sub.add_option("--mask-prob", args->mask_prob, "share of positions through the LM head")
      ->check(CLI::Range(0.0, 1.0));
  sub.add_option("--matmul-size", args->matmul_size, "n of the n^3 fp32 matmul that sets the peak")
      ->check(CLI::PositiveNumber);
  sub.add_flag("--json", args->json, "print one JSON object");
  return [args] { return run_bench_train(*args); };
}

const RegisterBench registered_bench_train("train", "full training steps (fwd, bwd, AdamW): step ms, tokens/s, MFU",
                        setup_bench_train, 30);

}  // namespace
}  // namespace roberta::cli
