// The one update step every workload shares: pretraining (pretrainer.cpp), fine-tuning
// (roberta/tasks/finetuner.cpp) and `roberta bench train`. A workload is a TrainingUnit: it
// hands over the model, this rank's micro-batches of each update and their summed losses. The
// Trainer owns everything else: accumulation, the loss divisor (the targets of the whole
// update over all ranks and micro-batches, docs/roberta.md), autocast, loss scaling, the
// non-finite guard, clipping, optimizer and schedule, the gradient sync through the
// communicator, checkpoints and resume (exact, atomic, signal-safe; rank 0 decides, every rank
// agrees), the stop signals, and the train metrics. One update:
//
//   window = unit.next_window()                  this rank's micro-batches, their target counts
//   all-reduce [targets, aux targets, stop]      one small collective
//   for each micro-batch i: loss = w * unit.micro_loss(i).sum / global targets (+ aux term),
//                           scaled, backward, the gradient all-reduce on the last one
//   overflow / non-finite checks, clip, optimizer step at schedule.lr(step)
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <nlohmann/json.hpp>
#include <torch/nn/module.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "roberta/config/config.h"
#include "roberta/dist/communicator.h"
#include "roberta/train/metrics_logger.h"

namespace roberta {

class CheckpointWriter;
class DynamicLossScaler;
class Trainer;
class LrSchedule;
class NonFiniteGuard;
class Optimizer;
class TensorBoardWriter;

// What a unit drew for one update, on this rank.
struct UpdateWindow {
  int64_t micro_batches = 0;  // accumulation steps: every rank must draw the same number
  int64_t targets = 0;        // predicted positions (masked tokens, labelled rows or words)
  int64_t aux_targets = 0;    // the auxiliary loss's (NSP: labelled sequences); 0 = none
  int64_t tokens = 0;         // input tokens (throughput figures)
};

// The summed losses of one micro-batch, fp32 scalars on the training device.
struct MicroLoss {
  at::Tensor sum;      // the main loss summed over the micro-batch's targets
  at::Tensor aux_sum;  // the auxiliary loss summed likewise, or undefined
};

class TrainingUnit {
 public:
  virtual ~TrainingUnit() = default;
  virtual torch::nn::Module& module() = 0;
  // Draws this rank's micro-batches of the next update (the unit keeps them until the next call).
  virtual UpdateWindow next_window() = 0;
  // The forward of micro-batch i of the window, under the trainer's autocast, module in train mode.
  virtual MicroLoss micro_loss(int64_t i) = 0;
  // loss = loss_weight * sum / global targets + aux_weight * aux_sum / global aux targets.
  virtual double loss_weight() const { return 1.0; }
  virtual double aux_weight() const { return 0.0; }
  virtual std::string aux_name() const { return "aux_loss"; }  // its train metric's name

  // Where this rank's data stands (a few integers: epoch, batch), saved per rank.
  virtual std::vector<int64_t> data_position() const { return {}; }
  // What every rank shares, merged into trainer_state.json (e.g. {"loader": ...}).
  virtual nlohmann::json unit_state() const { return nlohmann::json::object(); }
  // On resume, every rank: the saved trainer_state.json and this rank's saved position (empty
  // when the world size changed: restart at a boundary).
  virtual void restore(const nlohmann::json& /*state*/, const std::vector<int64_t>& /*position*/) {}

  // After every update, on every rank alike (validation, epoch ends; Trainer::log_metrics and
  // save_checkpoint are at hand); true stops the run.
  virtual bool after_update(int64_t /*step*/, Trainer& /*trainer*/) { return false; }
  // Every rank, at the start of every checkpoint (a collective point): fold rank-local state
  // into what unit_state() saves.
  virtual void before_checkpoint() {}
  // Rank 0, into every checkpoint: the unit's files (tokenizer, task.json) and checkpoint.json info
  // (its "kind" is also what resume() expects to find).
  virtual void add_checkpoint_files(CheckpointWriter& /*writer*/) {}
  virtual std::map<std::string, std::string> checkpoint_info() const { return {}; }
  // The progress line's prefix ("epoch 2/10 | ") and extra train metrics ({"epoch", 2}).
  virtual std::string progress_prefix() const { return ""; }
  virtual MetricValues train_metrics() const { return {}; }
  // Whether the loss is a log-likelihood per token, so perplexity means something.
  virtual bool reports_perplexity() const { return true; }
};

// One update's outcome on this rank (the losses summed over this rank's targets).
struct UpdateStats {
  int64_t step = 0;
  int64_t targets = 0, aux_targets = 0, tokens = 0;  // this rank's
  int64_t global_targets = 0;
  double loss_sum = 0, aux_sum = 0;
  double lr = 0, grad_norm = 0;
  bool applied = false;  // false: skipped (overflow or non-finite)
};

struct TrainResult {
  int64_t step = 0;              // updates done when the run stopped
  bool interrupted = false;      // stopped by SIGTERM/SIGINT (a checkpoint was written)
  bool stopped_by_unit = false;  // the unit asked (early stopping)
  double last_train_loss = 0.0;  // mean loss of the last log interval, all ranks
  std::string checkpoint;        // the last checkpoint written ("" if none)
};

class Trainer {
 public:
  // Builds the gradient sync (which gives every rank rank 0's weights), the guard, the loss
  // scaler and, on rank 0, train.out_dir with config.yaml and the metric writers. The module
  // must be on `device` and the optimizer built over it.
  // write_outputs = false (bench): no train.out_dir, no metrics files.
  Trainer(const Config& config, Communicator& comm, TrainingUnit& unit, Optimizer& optimizer,
          const LrSchedule& schedule, c10::Device device, Precision precision, bool write_outputs = true);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // train.resume / force: continue from the newest checkpoint of train.out_dir. Rank 0 decides
  // and every rank proves it sees and can load the same checkpoint, or every rank stops with
  // one message (docs/training.md). False when there is nothing to resume.
  bool resume(bool force);
  int64_t step() const;  // updates done (the resumed step after resume())
  // Where run() stops: train.max_steps, unless a workload counts otherwise (fine-tuning:
  // finetune.epochs x updates per epoch).
  void set_max_steps(int64_t steps) { max_steps_ = steps; }
  int64_t max_steps() const { return max_steps_; }

  // Updates until train.max_steps, a stop signal, or the unit's after_update says stop;
  // logs every train.log_every, checkpoints every train.save_every, at the end and on a signal.
  TrainResult run();
  // One update (run() calls it; `bench train` times it).
  UpdateStats update(int64_t step);
  // A checkpoint of the state after `step` (every rank calls it; rank 0 writes).
  std::string save_checkpoint(int64_t step);

  // Rank 0: a metrics.jsonl record (and TensorBoard scalars "split/name"); others: nothing.
  void log_metrics(const std::string& split, int64_t step, const MetricValues& values);
  Communicator& comm() { return comm_; }
  const std::string& last_checkpoint() const { return last_checkpoint_; }

 private:
  struct State;
  void write_checkpoint(const std::string& final_dir, int64_t step, const std::vector<double>& positions, size_t width);
  void log_train(int64_t step, double elapsed_s);

  const Config& config_;
  Communicator& comm_;
  TrainingUnit& unit_;
  Optimizer& optimizer_;
  const LrSchedule& schedule_;
  c10::Device device_;
  Precision precision_;
  int64_t max_steps_;
  std::unique_ptr<GradientSync> sync_;
  std::unique_ptr<NonFiniteGuard> guard_;
  std::unique_ptr<DynamicLossScaler> scaler_;  // null unless loss scaling is on
  std::unique_ptr<MetricsLogger> metrics_;      // rank 0
  std::unique_ptr<TensorBoardWriter> tensorboard_;
  std::unique_ptr<State> state_;
  std::string last_checkpoint_;

  // Since the last log line (this rank's sums; all-reduced when logged).
  double interval_loss_sum_ = 0, interval_aux_sum_ = 0;
  int64_t interval_targets_ = 0, interval_aux_ = 0, interval_tokens_ = 0;
  double last_lr_ = 0, last_grad_norm_ = 0, last_train_loss_ = 0;
  std::chrono::steady_clock::time_point interval_start_, run_start_;
  int64_t run_start_step_ = 0;
  bool stop_agreed_ = false;  // some rank had a stop request when this update began
};

// SIGINT/SIGTERM: the first asks the running Trainer to checkpoint and stop after the current
// update (every rank agrees on it in the update's all-reduce); a second exits at once (130).
void install_stop_signal_handlers();
bool stop_requested();
void request_stop();  // what the handler does (tests)

}  // namespace roberta
