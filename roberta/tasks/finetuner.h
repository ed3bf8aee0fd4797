// `roberta finetune`: a pretrained encoder (finetune.init: run, checkpoint or Hugging Face
// directory; empty = random init from model.* and tokenizer.dir) + a fresh task head, trained
// with AdamW (optim.betas / optim.eps, finetune.weight_decay), finetune.warmup_ratio of linear
// warmup then linear decay to 0, finetune.epochs passes over the training split in an order
// drawn from train.seed. After each epoch the dev split(s) are scored with the task's metric;
// the best epoch is kept as train.out_dir/best (our checkpoint format plus task.json with the
// task type and label list), the last one as checkpoint-N with a checkpoint-last link.
// finetune.patience > 0 stops after that many epochs without improvement.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "roberta/config/config.h"
#include "roberta/dist/communicator.h"

namespace roberta {

inline constexpr const char* kTaskFile = "task.json";  // the task description inside a fine-tuned checkpoint

struct EpochResult {
  int64_t epoch = 0;  // 1-based
  int64_t step = 0;   // updates done after this epoch
  double train_loss = 0;
  // split -> metrics (name, value); the first split's primary metric selects the best epoch.
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, double>>>> dev;
  double primary = 0;  // that selecting value
};

struct FinetuneResult {
  std::vector<EpochResult> epochs;
  int64_t best_epoch = 0;
  double best_metric = 0;
  std::string metric;         // name of the selecting metric
  std::string best_dir;       // train.out_dir/best
  std::string last_dir;       // train.out_dir/checkpoint-N
  bool stopped_early = false; // finetune.patience ran out
};

// One process (the single-process communicator on train.device).
FinetuneResult finetune(const Config& config, bool quiet = false);
// Data-parallel over `comm` (roberta launch, torchrun, SLURM): every rank calls it. Resumes
// from train.out_dir per train.resume; SIGTERM checkpoints and stops (install_stop_signal_handlers).
FinetuneResult finetune(const Config& config, Communicator& comm, bool quiet = false);

}  // namespace roberta
