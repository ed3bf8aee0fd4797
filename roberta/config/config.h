// The experiment configuration: every option of every subcommand as typed structs, one
// section per concern. YAML becomes these structs in roberta/config/*.cpp and nowhere else;
// everything downstream takes the structs. Each key is declared once (registry.cpp) with its
// help text, default and range; docs/config.md lists them all.
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
  // tokenizer.dir: holds vocab.json + merges.txt, e.g. runs/demo/tokenizer
  std::string dir;
  // tokenizer.vocab_size: target size when training, specials included
  int64_t vocab_size = 50265;
  int64_t min_frequency = 2;        // tokenizer.min_frequency: merges of rarer pairs are not learnt
  std::vector<std::string> inputs;  // tokenizer.inputs: training text files; empty = data.train
  // tokenizer.max_input_mb: train on at most this much text; 0 = all
  int64_t max_input_mb = 0;
};

// data.*: the corpus, its binary shards and the input format (FormatOptions: format, seq_len,
// nsp_random_prob), plus the background loader.
struct DataConfig : data::FormatOptions {
  // data.train: training text, one sentence per line, blank line between documents
  std::string train;
  // data.valid: held-out text in the same layout; empty = no validation
  std::string valid;
  // data.shard_dir: binary token shards; empty = <train.out_dir>/shards
  std::string shard_dir;
  // data.preprocess_workers: threads tokenizing the corpus; 0 = all cores
  int64_t preprocess_workers = 0;
  int64_t workers = 1;             // data.workers: loader threads masking and collating
  int64_t prefetch = 8;            // data.prefetch: micro-batches queued ahead of the trainer
  bool shuffle = true;             // data.shuffle: reshuffle samples every epoch

  const data::FormatOptions& format_options() const { return *this; }
};

// objective.*: weights of the losses summed into the training loss.
struct ObjectiveConfig {
  double mlm_weight = 1.0;  // objective.mlm_weight: masked-LM loss weight
  // objective.nsp_weight: next-sentence loss weight (pair formats, model.nsp_head)
  double nsp_weight = 0.0;
};

// optim.*: AdamW (OptimizerOptions: lr, betas, eps, weight_decay, no_decay, clip_norm).
struct OptimConfig : OptimizerOptions {
  const OptimizerOptions& optimizer_options() const { return *this; }
};

// schedule.*: warmup then decay (ScheduleOptions: kind, warmup_steps, power, end_lr).
struct ScheduleConfig : ScheduleOptions {
  // schedule.total_steps: step where the decay ends; 0 = train.max_steps (resolved on load)
  int64_t total_steps = 0;

  const ScheduleOptions& schedule_options() const { return *this; }
};

// batch.*: the global batch (all ranks, all accumulation steps) and the micro-batch per rank.
struct BatchConfig {
  int64_t sequences = 8192;  // batch.sequences: global batch in sequences, e.g. 8192 (RoBERTa)
  // batch.tokens: global batch in tokens (doc_sentences); 0 = sequences x seq_len
  int64_t tokens = 0;
  int64_t micro = 16;        // batch.micro: sequences per forward/backward on one rank
  // batch.micro_tokens: padded B x T budget of a token-batched micro-batch; 0 = micro x seq_len
  int64_t micro_tokens = 0;
};

enum class ResumeMode { automatic, never };          // "auto" | "never"
enum class DeviceKind { automatic, cpu, cuda };      // "auto" | "cpu" | "cuda"
enum class Precision { automatic, fp32, bf16, fp16 };  // "auto" = bf16 on CUDA, fp32 on CPU
enum class DistBackend { automatic, gloo, nccl };    // "auto" = nccl on CUDA, gloo on CPU
enum class LossScaleMode { automatic, dynamic, off };  // "auto" = dynamic for fp16, else off

// train.*: the run itself.
struct TrainConfig {
  int64_t max_steps = 500000;         // train.max_steps: optimizer updates, e.g. 500000
  std::string out_dir = "runs/run";   // train.out_dir: checkpoints, metrics, resolved config
  uint64_t seed = 1;                  // train.seed: model init, masking, shuffling
  int64_t log_every = 100;            // train.log_every: steps between progress lines / metrics
  int64_t eval_every = 1000;          // train.eval_every: steps between validations; 0 = never
  // train.eval_batches: micro-batches per validation; 0 = whole split
  int64_t eval_batches = 50;
  // train.save_every: steps between checkpoints; 0 = only at the end
  int64_t save_every = 5000;
  int64_t keep_last = 3;              // train.keep_last: checkpoints kept; 0 = all
  // train.resume: auto = continue from the newest checkpoint
  ResumeMode resume = ResumeMode::automatic;
  DeviceKind device = DeviceKind::automatic;  // train.device
  Precision precision = Precision::automatic; // train.precision
  // train.loss_scale: dynamic loss scaling (auto = on for fp16 only)
  LossScaleMode loss_scale = LossScaleMode::automatic;
  double loss_scale_init = 65536.0;   // train.loss_scale_init: first scale (2^16)
  int64_t loss_scale_window = 2000;   // train.loss_scale_window: clean steps before doubling
  // train.max_nonfinite_in_a_row: skipped non-finite steps before stopping
  int64_t max_nonfinite_in_a_row = 5;
  bool tensorboard = true;            // train.tensorboard: write TensorBoard event files
};

// dist.*: data-parallel training over c10d.
struct DistConfig {
  DistBackend backend = DistBackend::automatic;  // dist.backend
  double bucket_mb = 25.0;    // dist.bucket_mb: gradient all-reduce bucket size in MB
  bool overlap = true;        // dist.overlap: all-reduce buckets during backward (c10d::Reducer)
  bool find_unused_parameters = false;  // dist.find_unused_parameters: parameters may go
                                        // without a gradient in a step (graph walk per step)
  int64_t timeout_s = 1800;   // dist.timeout_s: a collective waiting longer is an error
};

// finetune.*: downstream tasks (GLUE and local suites).
struct FinetuneConfig {
  std::string task;              // finetune.task: e.g. sst2, mnli, rte
  std::string data_dir;          // finetune.data_dir: the task's train/dev files
  std::string init;              // finetune.init: pretrained checkpoint dir (also top-level `init`)
  int64_t epochs = 10;           // finetune.epochs
  double lr = 1e-5;              // finetune.lr: peak LR (RoBERTa GLUE: 1e-5, 2e-5 for RTE/STS-B)
  int64_t batch = 32;            // finetune.batch: sequences per update (16 for small tasks)
  // finetune.micro: sequences per forward/backward; 0 = finetune.batch
  int64_t micro = 0;
  int64_t seq_len = 512;         // finetune.seq_len: longest input, longer pairs are truncated
  double warmup_ratio = 0.06;    // finetune.warmup_ratio: fraction of updates spent warming up
  double weight_decay = 0.1;     // finetune.weight_decay
  double head_dropout = 0.1;     // finetune.head_dropout: dropout in the classification head
  // finetune.metric: accuracy|f1|mcc|pearson|spearman; empty = task's own
  std::string metric;
  int64_t num_labels = 0;        // finetune.num_labels: classes (1 = regression); 0 = from the task
  // finetune.patience: epochs without improvement before stopping; 0 = off
  int64_t patience = 0;
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
  std::string preset;  // preset: configs/presets/<preset>.yaml applied under the files
  std::string name;    // name: a label for the run (logs, TensorBoard)
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
