// The experiment configuration: every option of every subcommand as typed structs, one
// section per concern. YAML becomes these structs in roberta/config/*.cpp and nowhere else;
// everything downstream takes the structs. A member's initialiser is its key's default; the
// comment beside it names the key, nothing more: type, range and help text are declared once,
// in registry.cpp (`roberta config --keys`, docs/config.md).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "data/options.h"
#include "roberta/model/options.h"
#include "roberta/train/options.h"

namespace roberta {

// tokenizer.*: where the byte-level BPE files live and how to train them.
struct TokenizerConfig {
  std::string dir;  // tokenizer.dir
  int64_t vocab_size = 50265;  // tokenizer.vocab_size
  int64_t min_frequency = 2;  // tokenizer.min_frequency
  std::vector<std::string> inputs;  // tokenizer.inputs
  int64_t max_input_mb = 0;  // tokenizer.max_input_mb
};

// data.*: the corpus, its binary shards and the input format (FormatOptions: format, seq_len,
// nsp_random_prob), plus the background loader.
struct DataConfig : data::FormatOptions {
  std::string train;  // data.train
  std::string valid;  // data.valid
  std::string shard_dir;  // data.shard_dir
  int64_t preprocess_workers = 0;  // data.preprocess_workers
  int64_t workers = 1;  // data.workers
  int64_t prefetch = 8;  // data.prefetch
  bool shuffle = true;  // data.shuffle
  data::RankSplit rank_split = data::RankSplit::blocks;  // data.rank_split

  const data::FormatOptions& format_options() const { return *this; }
};

// objective.*: weights of the losses summed into the training loss.
struct ObjectiveConfig {
  double mlm_weight = 1.0;  // objective.mlm_weight
  double nsp_weight = 0.0;  // objective.nsp_weight
};

// optim.*: AdamW (OptimizerOptions: lr, betas, eps, weight_decay, no_decay, clip_norm).
struct OptimConfig : OptimizerOptions {
  const OptimizerOptions& optimizer_options() const { return *this; }
};

// schedule.*: warmup then decay (ScheduleOptions: kind, warmup_steps, power, end_lr).
struct ScheduleConfig : ScheduleOptions {
  int64_t total_steps = 0;  // schedule.total_steps

  const ScheduleOptions& schedule_options() const { return *this; }
};

// batch.*: the global batch (all ranks, all accumulation steps) and the micro-batch per rank.
struct BatchConfig {
  int64_t sequences = 8192;  // batch.sequences
  int64_t tokens = 0;  // batch.tokens
  int64_t micro = 16;  // batch.micro
  int64_t micro_tokens = 0;  // batch.micro_tokens
};

enum class ResumeMode { automatic, never };          // "auto" | "never"
enum class DeviceKind { automatic, cpu, cuda };      // "auto" | "cpu" | "cuda"
enum class Precision { automatic, fp32, bf16, fp16 };  // "auto" = bf16 on CUDA, fp32 on CPU
enum class DistBackend { automatic, gloo, nccl };    // "auto" = nccl on CUDA, gloo on CPU
enum class LossScaleMode { automatic, dynamic, off };  // "auto" = dynamic for fp16, else off

// train.*: the run itself.
struct TrainConfig {
  int64_t max_steps = 500000;  // train.max_steps
  std::string out_dir = "runs/run";  // train.out_dir
  uint64_t seed = 1;  // train.seed
  int64_t log_every = 100;  // train.log_every
  int64_t eval_every = 1000;  // train.eval_every
  int64_t eval_batches = 50;  // train.eval_batches
  uint64_t eval_seed = 0;  // train.eval_seed
  bool yardstick = false;  // train.yardstick
  int64_t save_every = 5000;  // train.save_every
  int64_t keep_last = 3;  // train.keep_last
  ResumeMode resume = ResumeMode::automatic;  // train.resume
  DeviceKind device = DeviceKind::automatic;  // train.device
  Precision precision = Precision::automatic;  // train.precision
  LossScaleMode loss_scale = LossScaleMode::automatic;  // train.loss_scale
  double loss_scale_init = 65536.0;  // train.loss_scale_init
  int64_t loss_scale_window = 2000;  // train.loss_scale_window
  int64_t max_nonfinite_in_a_row = 5;  // train.max_nonfinite_in_a_row
  bool tensorboard = true;  // train.tensorboard
};

// dist.*: data-parallel training over c10d.
struct DistConfig {
  DistBackend backend = DistBackend::automatic;  // dist.backend
  double bucket_mb = 25.0;  // dist.bucket_mb
  bool overlap = true;  // dist.overlap
  bool find_unused_parameters = false;  // dist.find_unused_parameters
  int64_t timeout_s = 1800;  // dist.timeout_s
};

// finetune.*: downstream tasks (GLUE and local suites).
struct FinetuneConfig {
  std::string task;  // finetune.task
  std::string data_dir;  // finetune.data_dir
  std::string init;  // finetune.init
  int64_t epochs = 10;  // finetune.epochs
  double lr = 1e-5;  // finetune.lr
  int64_t batch = 32;  // finetune.batch
  int64_t micro = 0;  // finetune.micro
  int64_t seq_len = 512;  // finetune.seq_len
  double warmup_ratio = 0.06;  // finetune.warmup_ratio
  double weight_decay = 0.1;  // finetune.weight_decay
  double head_dropout = 0.1;  // finetune.head_dropout
  std::string metric;  // finetune.metric
  int64_t num_labels = 0;  // finetune.num_labels
  int64_t patience = 0;  // finetune.patience
};

struct Config {
  ModelOptions model;
  TokenizerConfig tokenizer;
  DataConfig data;
  data::MaskingOptions masking;
  ObjectiveConfig objective;
  OptimConfig optim;
  ScheduleConfig schedule;
  BatchConfig batch;
  TrainConfig train;
  DistConfig dist;
  FinetuneConfig finetune;
  std::string preset;  // preset
  std::string name;  // name
};

// Built-in defaults < preset < files (in order) < overrides ("key.path=value", the value
// YAML-typed: "optim.betas=[0.9,0.98]"). Resolves derived defaults (schedule.total_steps)
// and runs validate(). Throws roberta::Error naming file, line, key, expected and found.
// Presets are found in $ROBERTA_CONFIG_DIR/presets, in presets/ or configs/presets/ of the
// config file's directory or any directory above it (then the same from the working
// directory, then the source tree); `preset:` may also be a path to a YAML file.
Config load_config(const std::vector<std::string>& files,
                   const std::vector<std::string>& overrides = {});

// A resolved config (to_yaml's output, e.g. from a checkpoint). Keys absent take built-in
// defaults; `preset` is recorded but not applied (the text is already resolved). `origin`
// names the text in error messages. Validates.
Config config_from_yaml_string(const std::string& yaml, const std::string& origin);

// Every key, fully resolved, with help text as comments; config_from_yaml_string(to_yaml(c))
// == c exactly (floats are printed with round-trip precision).
std::string to_yaml(const Config& config);

// Cross-field and range checks; throws roberta::Error naming the keys involved.
void validate(const Config& config);

bool operator==(const Config& a, const Config& b);  // every key equal
inline bool operator!=(const Config& a, const Config& b) { return !(a == b); }

// The YAML spelling of the enums ("full_sentences", "auto", "bf16", ...).
std::string to_string(data::InputFormat format);
std::string to_string(ResumeMode mode);
std::string to_string(DeviceKind device);
std::string to_string(Precision precision);
std::string to_string(DistBackend backend);
std::string to_string(LossScaleMode mode);

// The loader's options from the data.*, batch.micro and train.seed keys (rank and world size
// left at 0 / 1 for the trainer to fill).
data::LoaderOptions loader_options(const Config& config);

// One row per key, in declaration order: for `roberta config --keys` and docs/config.md.
struct ConfigKeyInfo {
  std::string key;            // "model.layers"
  std::string expected;       // "integer >= 1"
  std::string default_value;  // YAML text of the built-in default
  std::string help;
};
std::vector<ConfigKeyInfo> config_keys();

// Every key with its value as YAML text, in declaration order: for diffing two configs
// (ablation variants must differ only in the keys they study).
std::vector<std::pair<std::string, std::string>> config_values(const Config& config);

// docs/config.md, generated from the same table (a test checks the file is up to date).
std::string config_reference_markdown();

}  // namespace roberta
