// The pretraining loop: a YAML config becomes a run directory with checkpoints, metrics and
// TensorBoard events. Each update draws its accumulation window of micro-batches, all-reduces
// the masked-token count once, and backpropagates every micro-batch's summed loss divided by
// that global count, so 1 rank x k micro-steps and k ranks x 1 micro-step give the same update.
// Rank 0 logs and writes checkpoints; every rank follows the same collective sequence.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "roberta/config/config.h"
#include "roberta/dist/communicator.h"
#include "roberta/train/trainer.h"  // install_stop_signal_handlers, stop_requested

namespace roberta {

struct PretrainResult {
  int64_t step = 0;              // updates done when the run stopped
  bool interrupted = false;      // stopped early by SIGTERM/SIGINT (a checkpoint was written)
  double last_train_loss = 0.0;  // mean masked-LM loss of the last log interval
  double last_valid_loss = -1.0; // < 0 when never validated
  std::string checkpoint;        // the last checkpoint written ("" if none)
};

// Accumulation steps of an update: global / (micro x world), Error unless it divides exactly.
int64_t accumulation_steps(const Config& config, int world_size);

// Runs (or resumes, per train.resume / force_resume) the pretraining described by `config`
// through the shared Trainer (trainer.h).
PretrainResult pretrain(const Config& config, Communicator& comm, bool force_resume = false);

}  // namespace roberta
