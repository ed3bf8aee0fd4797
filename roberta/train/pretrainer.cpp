// Pretraining as a TrainingUnit (trainer.h): the masked-LM model (with the NSP head for the
// pair formats), the background loader's micro-batches, and validation.
#include "roberta/train/pretrainer.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>

#include "data/dataset.h"
#include "data/loader.h"
#include "roberta/model/task_models.h"
#include "roberta/train/checkpoint.h"
#include "roberta/train/loss.h"
#include "roberta/train/lr_schedule.h"
#include "roberta/train/optimizer.h"
#include "roberta/train/precision.h"
#include "util/error.h"

namespace fs = std::filesystem;

namespace roberta {
namespace {

bool token_batched(data::InputFormat format) {
  return format == data::InputFormat::doc_sentences || format == data::InputFormat::sentence_pair;
}

// The dataset directories preprocessing wrote: <shard_dir>/train and <shard_dir>/valid.
std::string shard_dir(const Config& config) {
  return config.data.shard_dir.empty() ? (fs::path(config.train.out_dir) / "shards").string()
                                       : config.data.shard_dir;
}

class MaskedLMUnit : public TrainingUnit {
 public:
  MaskedLMUnit(const Config& config, Communicator& comm, c10::Device device, Precision precision)
      : config_(config), comm_(comm), device_(device), precision_(precision) {
    accum_ = accumulation_steps(config_, comm_.world_size());
    const std::string shards = shard_dir(config_);
    train_set_ = data::Dataset::open((fs::path(shards) / "train").string());
    const auto& special = train_set_->special();
    if (special.vocab_size > config_.model.vocab_size) {
      fail("model.vocab_size: the shards in {} use {} token ids, the model has only {} rows "
           "(set model.vocab_size: {})", shards, special.vocab_size, config_.model.vocab_size, special.vocab_size);
    }
    if (special.pad_id != config_.model.pad_id) {
      fail("model.pad_id: the shards in {} pad with id {}, the model with {}", shards, special.pad_id,
           config_.model.pad_id);
    }
    data::LoaderOptions loader = loader_options(config_);
    loader.rank = comm_.rank();
    loader.world_size = comm_.world_size();
    loader.pin_memory = device_.is_cuda();
    train_loader_ = std::make_unique<data::Loader>(train_set_, config_.data.format_options(), config_.masking, loader,
                                                   data::LoaderMode::train);
    const fs::path valid_dir = fs::path(shards) / "valid";
    const bool mine = fs::exists(valid_dir / data::kManifestName);
    // Validation is a collective: every rank validates, or none does.
    std::vector<double> have_valid = {mine ? 1.0 : 0.0};
    comm_.all_reduce_sum_values(have_valid);
    if (have_valid[0] > 0 && have_valid[0] < comm_.world_size()) {
      fail("data: {} of {} ranks find {} (this rank {}): every rank must see the same shards", have_valid[0],
           comm_.world_size(), (valid_dir / data::kManifestName).string(), mine ? "does" : "does not");
    }
    if (config_.train.eval_every > 0 && have_valid[0] > 0) {
      valid_set_ = data::Dataset::open(valid_dir.string());
      // Validation masks depend on train.eval_seed, not train.seed: every run, whatever its
      // seed, is scored on the same masked tokens of the same samples.
      data::LoaderOptions valid = loader;
      valid.seed = config_.train.eval_seed;
      valid_loader_ = std::make_unique<data::Loader>(valid_set_, config_.data.format_options(), config_.masking,
                                                     valid, data::LoaderMode::validation);
      // The common yardstick (docs/ablations.md): the same split as FULL-SENTENCES sequences,
      // so runs of every input format are compared on the same predictions. A full_sentences
      // run's validation is the yardstick already.
      if (config_.train.yardstick && config_.data.format != data::InputFormat::full_sentences) {
        data::FormatOptions full = config_.data.format_options();
        full.format = data::InputFormat::full_sentences;
        yardstick_loader_ = std::make_unique<data::Loader>(valid_set_, full, config_.masking, valid,
                                                           data::LoaderMode::validation);
      }
    }
    torch::manual_seed(config_.train.seed);
    model_ = RobertaForMaskedLM(config_.model);
    model_->to(device_);
  }

  RobertaForMaskedLM& model() { return model_; }
  int64_t accumulation() const { return accum_; }
  double last_valid_loss() const { return last_valid_loss_; }

  // What share of the training set's token blocks each rank read in this run, and how many
  // blocks more than one rank read (docs/data.md, "Each rank reads its part"). Collective: one
  // all-reduce of [blocks read per rank..., ranks that read each block...]; every rank calls it.
  void report_blocks_read() {
    const std::vector<uint8_t> mine = train_set_->blocks_read_map();
    const size_t world = static_cast<size_t>(comm_.world_size());
    std::vector<double> sums(world + mine.size(), 0.0);
    sums[static_cast<size_t>(comm_.rank())] = double(std::count(mine.begin(), mine.end(), uint8_t{1}));
    std::copy(mine.begin(), mine.end(), sums.begin() + static_cast<std::ptrdiff_t>(world));
    comm_.all_reduce_sum_values(sums);
    if (!comm_.is_main() || mine.empty()) return;
    const double total = double(mine.size());
    if (world == 1) {
      fmt::print("data: token blocks read {:.2f}% of {}\n", 100 * sums[0] / total, mine.size());
      std::fflush(stdout);
      return;
    }
    std::string per_rank;
    for (size_t r = 0; r < world; ++r) per_rank += fmt::format("{}{:.2f}%", r ? " | " : "", 100 * sums[r] / total);
    const auto shared = std::count_if(sums.begin() + static_cast<std::ptrdiff_t>(world), sums.end(),
                                      [](double ranks) { return ranks > 1.5; });
    fmt::print("data: token blocks read per rank {} of {} | by more than one rank {:.2f}% | data.rank_split {}\n",
               per_rank, mine.size(), 100 * double(shared) / total, data::name_of(config_.data.rank_split));
    std::fflush(stdout);
  }

  torch::nn::Module& module() override { return *model_; }

  UpdateWindow next_window() override {
    window_.clear();
    window_.reserve(static_cast<size_t>(accum_));
    UpdateWindow w;
    w.micro_batches = accum_;
    for (int64_t i = 0; i < accum_; ++i) {
      window_.push_back(train_loader_->next());
      w.targets += window_.back().num_masked;
      w.tokens += window_.back().num_tokens;
      if (window_.back().nsp_labels.defined()) w.aux_targets += window_.back().num_sequences;
    }
    return w;
  }

  MicroLoss micro_loss(int64_t i) override {
    data::Batch& batch = window_[static_cast<size_t>(i)];
    // Pinned host memory on CUDA (LoaderOptions::pin_memory): the copies do not block.
    at::Tensor input_ids = batch.input_ids.to(device_, /*non_blocking=*/true);         // [B,T]
    at::Tensor positions = batch.masked_positions.to(device_, /*non_blocking=*/true);  // [M]
    at::Tensor targets = batch.masked_targets.to(device_, /*non_blocking=*/true);      // [M]
    MaskedLMOutput out = model_->forward_with_nsp(input_ids, positions, batch.padded);
    MicroLoss loss;
    loss.sum = mlm_loss_sum(out.mlm_logits, targets);  // fp32 scalar
    const bool use_nsp = config_.model.nsp_head && config_.objective.nsp_weight > 0;
    if (use_nsp && batch.nsp_labels.defined() && out.nsp_logits.defined()) {
      loss.aux_sum = nsp_loss_sum(out.nsp_logits, batch.nsp_labels.to(device_, /*non_blocking=*/true));
    }
    return loss;
  }

  double loss_weight() const override { return config_.objective.mlm_weight; }
  double aux_weight() const override { return config_.objective.nsp_weight; }
  std::string aux_name() const override { return "nsp_loss"; }

  std::vector<int64_t> data_position() const override {
    const data::LoaderState state = train_loader_->state();
    return {state.epoch, state.batch};
  }

  nlohmann::json unit_state() const override { return {{"loader", train_loader_->state()}}; }

  void restore(const nlohmann::json& state, const std::vector<int64_t>& position) override {
    data::LoaderState saved;
    try {
      state.at("loader").get_to(saved);
    } catch (const nlohmann::json::exception& e) {
      fail("trainer_state.json: expected the loader state (\"loader\": epoch, batch, seed, ...), found: {}", e.what());
    }
    data::LoaderState mine = saved;
    mine.rank = comm_.rank();
    mine.world_size = comm_.world_size();
    mine.rank_split = train_loader_->state().rank_split;
    const bool same_split = comm_.world_size() == 1 || saved.rank_split == mine.rank_split;
    if (position.size() == 2 && same_split) {
      mine.epoch = position[0];
      mine.batch = position[1];
    } else if (position.size() == 2) {
      // Another split gives each rank other samples: continue from the next epoch boundary.
      mine.epoch = saved.epoch + 1;
      mine.batch = 0;
      if (comm_.is_main()) {
        fmt::print(stderr, "warning: the checkpoint's loader split its epochs by data.rank_split {}, this run by {}; "
                   "the loader restarts at epoch {}\n", data::name_of(saved.rank_split),
                   data::name_of(mine.rank_split), mine.epoch);
      }
    } else {
      // Another world size splits samples differently: continue from the next epoch boundary.
      mine.epoch = saved.epoch + 1;
      mine.batch = 0;
      if (comm_.is_main()) {
        fmt::print(stderr, "warning: resumed with {} ranks instead of {}; the loader restarts at epoch {}\n",
                   comm_.world_size(), state.value("world_size", int64_t{1}), mine.epoch);
      }
    }
    train_loader_->restore(mine);
  }

  bool after_update(int64_t step, Trainer& trainer) override {
    const bool last = step == trainer.max_steps();
    if (valid_loader_ && (step % config_.train.eval_every == 0 || last)) {
      const Validation v = validate(*valid_loader_);
      last_valid_loss_ = v.loss;
      report("valid", step, v, trainer);
      if (config_.train.yardstick) {
        report("yardstick", step, yardstick_loader_ ? validate(*yardstick_loader_) : v, trainer);
      }
    }
    return false;
  }

  void add_checkpoint_files(CheckpointWriter& writer) override {
    // The tokenizer travels with the weights: a checkpoint is usable on its own.
    const fs::path tok(config_.tokenizer.dir);
    for (const char* name : {"vocab.json", "merges.txt"}) {
      if (!config_.tokenizer.dir.empty() && fs::exists(tok / name)) {
        fs::copy_file(tok / name, writer.path(name), fs::copy_options::overwrite_existing);
        writer.add_file(name);
      }
    }
  }

  std::map<std::string, std::string> checkpoint_info() const override { return {{"kind", "pretrain"}}; }

 private:
  // Held-out masked-LM loss, masked-token accuracy (top-1), and the accuracy of the unigram
  // baseline: always answering the most frequent masked token of the validation set, the best
  // a model that ignores context can do. Accuracy above it is learning from context.
  struct Validation {
    double loss = 0, accuracy = 0, unigram_accuracy = 0;
  };

  void report(const char* kind, int64_t step, const Validation& v, Trainer& trainer) {
    if (comm_.is_main()) {
      fmt::print("{} | step {} | loss {:.4f} | ppl {:.2f} | masked-token accuracy {:.1f}% (unigram baseline {:.1f}%)\n",
                 kind, step, v.loss, perplexity(v.loss), 100 * v.accuracy, 100 * v.unigram_accuracy);
      std::fflush(stdout);
    }
    trainer.log_metrics(kind, step, {{"loss", v.loss}, {"ppl", perplexity(v.loss)}, {"accuracy", v.accuracy},
                                     {"unigram_accuracy", v.unigram_accuracy}});
  }

  Validation validate(data::Loader& loader) {
    c10::NoGradGuard no_grad;
    model_->eval();
    loader.rewind();
    const auto on_device = at::TensorOptions().dtype(at::kDouble).device(device_);
    at::Tensor loss_sum = at::zeros({}, on_device);
    at::Tensor correct = at::zeros({}, on_device);
    at::Tensor counts = at::zeros({config_.model.vocab_size}, on_device);  // [V] masked targets per id
    double masked = 0;
    data::Batch batch;
    int64_t batches = 0;
    while ((config_.train.eval_batches == 0 || batches < config_.train.eval_batches) && loader.next(batch)) {
      AutocastScope autocast(precision_, device_);
      at::Tensor logits = model_->forward(batch.input_ids.to(device_, /*non_blocking=*/true),
                                          batch.masked_positions.to(device_, /*non_blocking=*/true), batch.padded);  // [M,V]
      at::Tensor targets = batch.masked_targets.to(device_, /*non_blocking=*/true);  // [M]
      loss_sum += mlm_loss_sum(logits, targets).to(at::kDouble);
      correct += logits.argmax(-1).eq(targets).sum().to(at::kDouble);
      counts.index_add_(0, targets, at::ones({targets.size(0)}, on_device));
      masked += double(batch.num_masked);
      ++batches;
    }
    model_->train();
    // One host transfer, then one collective: [loss sum, masked, correct, counts per id...].
    const at::Tensor host = at::cat({at::stack({loss_sum, correct}), counts}).cpu();
    std::vector<double> sums(static_cast<size_t>(host.numel()) + 1);
    std::copy_n(host.data_ptr<double>(), host.numel(), sums.begin() + 1);
    sums[0] = masked;  // [masked, loss sum, correct, counts...]
    comm_.all_reduce_sum_values(sums);
    Validation v;
    if (sums[0] > 0) {
      v.loss = sums[1] / sums[0];
      v.accuracy = sums[2] / sums[0];
      v.unigram_accuracy = *std::max_element(sums.begin() + 3, sums.end()) / sums[0];
    }
    return v;
  }

  const Config& config_;
  Communicator& comm_;
  c10::Device device_;
  Precision precision_;
  int64_t accum_ = 1;
  std::shared_ptr<const data::Dataset> train_set_, valid_set_;
  std::unique_ptr<data::Loader> train_loader_, valid_loader_, yardstick_loader_;
  RobertaForMaskedLM model_{nullptr};
  std::vector<data::Batch> window_;
  double last_valid_loss_ = -1;
};

}  // namespace

int64_t accumulation_steps(const Config& config, int world_size) {
  int64_t global = config.batch.sequences, micro = config.batch.micro;
  const char* global_key = "batch.sequences";
  const char* micro_key = "batch.micro";
  if (token_batched(config.data.format)) {
    global = config.batch.tokens > 0 ? config.batch.tokens : config.batch.sequences * config.data.seq_len;
    micro = config.batch.micro_tokens > 0 ? config.batch.micro_tokens : config.batch.micro * config.data.seq_len;
    global_key = "batch.tokens";
    micro_key = "batch.micro_tokens";
  }
  const int64_t per_window = micro * world_size;
  if (global % per_window != 0) {
    fail("{} = {} must be a multiple of {} x world size = {} x {} = {} (accumulation steps = "
         "global / (micro x ranks) must be a whole number)",
         global_key, global, micro_key, micro, world_size, per_window);
  }
  return global / per_window;
}

PretrainResult pretrain(const Config& config, Communicator& comm, bool force_resume) {
  const c10::Device device = resolve_device(config.train.device, comm.environment());
  const Precision precision = resolve_precision(config.train.precision, device);
  MaskedLMUnit unit(config, comm, device, precision);
  Optimizer optimizer(*unit.model(), config.optim.optimizer_options());
  LrSchedule schedule(config.optim.lr, config.schedule.total_steps, config.schedule.schedule_options());
  Trainer trainer(config, comm, unit, optimizer, schedule, device, precision);
  const bool resumed = trainer.resume(force_resume);
  if (comm.is_main()) {
    const std::string all_reduce =
        comm.world_size() == 1 ? std::string()
                               : fmt::format(" ({} all-reduce {}, {} MB buckets)", comm.backend(),
                                             config.dist.overlap ? "overlapped with backward" : "after backward",
                                             config.dist.bucket_mb);
    fmt::print("pretrain: {} | {} parameters | device {} {} | world {}{} x micro {} x accum {} | {} steps{}\n",
               config.name.empty() ? config.train.out_dir : config.name, count_parameters(*unit.model()),
               device.str(), to_string(precision), comm.world_size(), all_reduce, config.batch.micro,
               unit.accumulation(), config.train.max_steps,
               resumed ? fmt::format(" | resumed at step {}", trainer.step()) : std::string());
    std::fflush(stdout);
  }
  const TrainResult run = trainer.run();
  unit.report_blocks_read();
  PretrainResult result;
  result.step = run.step;
  result.interrupted = run.interrupted;
  result.last_train_loss = run.last_train_loss;
  result.last_valid_loss = unit.last_valid_loss();
  result.checkpoint = trainer.last_checkpoint();
  return result;
}

}  // namespace roberta
