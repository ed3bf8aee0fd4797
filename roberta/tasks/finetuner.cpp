// The fine-tuning loop: epochs of shuffled batches, per-epoch dev scores, best/last checkpoints.
#include "roberta/tasks/finetuner.h"

#include "data/random.h"

#include <ATen/ATen.h>
#include <torch/utils.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "roberta/tasks/encoding.h"
#include "roberta/tasks/evaluator.h"
#include "roberta/tasks/pretrained.h"
#include "roberta/tasks/task.h"
#include "roberta/tasks/task_model.h"
#include "roberta/train/checkpoint.h"
#include "roberta/train/grad_utils.h"
#include "roberta/train/lr_schedule.h"
#include "roberta/train/metrics_logger.h"
#include "roberta/train/optimizer.h"
#include "roberta/train/precision.h"
#include "roberta/train/progress_line.h"
#include "roberta/train/trainer.h"
#include "roberta/dist/single_process_communicator.h"
#include "util/error.h"

namespace roberta {
namespace {

namespace fs = std::filesystem;

// A fine-tuned checkpoint: weights of encoder + head, config.yaml, task.json, tokenizer files.
void save_task_checkpoint(const std::string& dir, TaskModel& model, const Config& config, const TaskSpec& task,
                          const tokenizer::Tokenizer& tok, int64_t step, int64_t epoch, double metric) {
  CheckpointWriter writer(dir);
  writer.save_weights(model.module());
  nlohmann::json j = task_to_json(task);
  j["epoch"] = epoch;
  j["dev_" + task.metric] = metric;
  std::ofstream(writer.path(kTaskFile)) << j.dump(2) << "\n";
  writer.add_file(kTaskFile);
  tok.save(fs::path(writer.path(kTaskFile)).parent_path().string());
  writer.add_file("vocab.json");
  writer.add_file("merges.txt");
  writer.commit(step, to_yaml(config),
                {{"kind", "finetune"}, {"task", task.name}, {"task_type", to_string(task.type)},
                 {"epoch", std::to_string(epoch)}});
}

// Fisher-Yates with the data layer's generator: unbiased (rejection sampling, where
// `mt19937() % i` favours small numbers) and the same order on every platform (the std
// distributions' algorithms are implementation-defined).
std::vector<size_t> epoch_order(size_t n, uint64_t seed, int64_t epoch) {
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  data::Rng rng(data::hash_keys({seed, uint64_t(epoch)}));
  for (size_t i = n; i > 1; --i) {
    const size_t j = size_t(rng.below(i));
    std::swap(order[i - 1], order[j]);
  }
  return order;
}



// JSON has no infinity or NaN (nlohmann writes null): a best score of -inf before the first
// epoch, a NaN loss after a skipped update, must survive a checkpoint.
nlohmann::json number_or_null(double value) { return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(); }
double number_at(const nlohmann::json& j, const char* key, double if_null) {
  const auto& v = j.at(key);
  return v.is_null() ? if_null : v.get<double>();
}

// Fine-tuning as a TrainingUnit (roberta/train/trainer.h). Every update takes the next
// finetune.batch examples of the epoch's order; rank r takes those at positions r, r + W, ...
// of that slice and splits them into its accumulation micro-batches of finetune.micro, so W ranks
// x k micro-batches make the same update as one rank with W x k (up to float rounding). After
// the epoch's last update rank 0 scores the dev split(s) and every rank gets the verdict: the
// best epoch is saved as out_dir/best, finetune.patience stops early.
class TaskUnit : public TrainingUnit {
 public:
  TaskUnit(const Config& config, Communicator& comm, const TaskSpec& task, const tokenizer::Tokenizer& tok,
           TaskModel& model, std::vector<EncodedExample> train,
           std::vector<std::pair<std::string, std::vector<EncodedExample>>> devs, c10::Device device, bool quiet)
      : config_(config),
        ft_(config.finetune),
        comm_(comm),
        task_(task),
        tok_(tok),
        model_(model),
        train_(std::move(train)),
        devs_(std::move(devs)),
        device_(device),
        quiet_(quiet) {
    micro_ = ft_.micro > 0 ? ft_.micro : ft_.batch / comm_.world_size();
    if (micro_ <= 0 || ft_.batch % (micro_ * comm_.world_size()) != 0) {
      fail("finetune.batch = {} must be a multiple of finetune.micro x world size = {} x {} (accumulation steps = "
           "batch / (micro x ranks) must be a whole number)",
           ft_.batch, ft_.micro > 0 ? ft_.micro : micro_, comm_.world_size());
    }
    accum_ = ft_.batch / (micro_ * comm_.world_size());
    steps_per_epoch_ = (int64_t(train_.size()) + ft_.batch - 1) / ft_.batch;
    pad_id_ = tok_.has_pad() ? tok_.pad_id() : config_.model.pad_id;
    result_.metric = task_.metric;
    result_.best_dir = (fs::path(config_.train.out_dir) / "best").string();
    result_.best_metric = -std::numeric_limits<double>::infinity();
    epoch_loss_ = at::zeros({}, at::TensorOptions().dtype(at::kDouble).device(device_));
  }

  int64_t steps_per_epoch() const { return steps_per_epoch_; }
  int64_t micro() const { return micro_; }
  int64_t accumulation() const { return accum_; }
  FinetuneResult& result() { return result_; }

  torch::nn::Module& module() override { return model_.module(); }

  UpdateWindow next_window() override {
    if (order_epoch_ != epoch_) {
      order_ = epoch_order(train_.size(), config_.train.seed, epoch_);
      order_epoch_ = epoch_;
    }
    const size_t b0 = size_t(batch_) * size_t(ft_.batch);
    const size_t b1 = std::min(order_.size(), b0 + size_t(ft_.batch));
    std::vector<const EncodedExample*> mine;  // this rank's share of the update, in order
    for (size_t i = b0 + size_t(comm_.rank()); i < b1; i += size_t(comm_.world_size())) mine.push_back(&train_[order_[i]]);
    window_.assign(static_cast<size_t>(accum_), {});
    UpdateWindow w;
    w.micro_batches = accum_;
    for (size_t i = 0; i < mine.size(); ++i) {
      const EncodedExample& e = *mine[i];
      window_[std::min(i / size_t(micro_), window_.size() - 1)].push_back(&e);
      w.tokens += int64_t(e.ids.size());
      if (task_.type == TaskType::tagging) {
        for (int64_t l : e.token_labels) w.targets += l != kIgnoreLabel;
      } else {
        w.targets += e.label != kIgnoreLabel;
      }
    }
    return w;
  }

  MicroLoss micro_loss(int64_t i) override {
    const auto& chunk = window_[static_cast<size_t>(i)];
    MicroLoss loss;
    if (chunk.empty()) {
      // This rank has nothing left in the epoch's last update: a zero loss that still reaches
      // every parameter, so the gradient sync sees this rank's (zero) gradients.
      loss.sum = at::zeros({}, at::TensorOptions().dtype(at::kFloat).device(device_));
      for (const auto& p : model_.module().parameters()) loss.sum = loss.sum + p.sum().to(at::kFloat) * 0.0;
      return loss;
    }
    TaskBatch batch = collate(chunk, task_.type, pad_id_);
    at::Tensor logits = model_.forward(batch.input_ids.to(device_));
    loss.sum = model_.summed_loss(logits, batch.labels.to(device_)).first.to(at::kFloat);
    epoch_loss_ += loss.sum.detach().to(at::kDouble);
    return loss;
  }

  std::vector<int64_t> data_position() const override { return {epoch_, batch_}; }

  // Every rank, before a checkpoint: the epoch's loss so far, summed over ranks, moves into the
  // shared carry (saved), so a resumed epoch reports the loss of all its updates.
  void before_checkpoint() override {
    std::vector<double> sums = {epoch_loss_.item<double>()};
    comm_.all_reduce_sum_values(sums);
    epoch_loss_carry_ += sums[0];
    epoch_loss_.zero_();
  }

  nlohmann::json unit_state() const override {
    nlohmann::json epochs = nlohmann::json::array();
    for (const auto& e : result_.epochs) epochs.push_back(epoch_to_json(e));
    return {{"finetune",
             {{"task", task_.name},
              {"train_examples", train_.size()},
              {"batch", ft_.batch},
              {"epochs_planned", ft_.epochs},
              {"epoch", epoch_},
              {"update_in_epoch", batch_},
              {"epoch_loss_carry", number_or_null(epoch_loss_carry_)},
              {"best_epoch", result_.best_epoch},
              {"best_metric", number_or_null(result_.best_metric)},
              {"epochs_without_gain", epochs_without_gain_},
              {"stopped_early", result_.stopped_early},
              {"epochs", epochs}}}};
  }

  void restore(const nlohmann::json& state, const std::vector<int64_t>& /*position*/) override {
    // Every rank walks the same epoch order, so the shared position is every rank's.
    try {
      const auto& f = state.at("finetune");
      // The checkpoint must belong to this run: another task, data or batch would resume into
      // a different epoch order and schedule.
      const auto check = [&](const char* key, const nlohmann::json& now) {
        if (f.at(key) != now) {
          fail("resume: the checkpoint in train.out_dir = {} was written by a fine-tuning with {} = {}, this one has "
               "{}; use another train.out_dir, or train.resume: never to start afresh (overwriting it)",
               config_.train.out_dir, key, f.at(key).dump(), now.dump());
        }
      };
      check("task", task_.name);
      check("train_examples", train_.size());
      check("batch", ft_.batch);
      check("epochs_planned", ft_.epochs);
      epoch_ = f.at("epoch").get<int64_t>();
      batch_ = f.at("update_in_epoch").get<int64_t>();
      epoch_loss_carry_ = number_at(f, "epoch_loss_carry", std::nan(""));
      result_.best_epoch = f.at("best_epoch").get<int64_t>();
      result_.best_metric = number_at(f, "best_metric", -std::numeric_limits<double>::infinity());
      epochs_without_gain_ = f.at("epochs_without_gain").get<int64_t>();
      result_.stopped_early = f.at("stopped_early").get<bool>();
      result_.epochs.clear();
      for (const auto& e : f.at("epochs")) result_.epochs.push_back(epoch_from_json(e));
    } catch (const nlohmann::json::exception& e) {
      fail("trainer_state.json: expected the fine-tuning state (\"finetune\": task, epoch, best_metric, ...), "
           "found: {}", e.what());
    }
  }

  bool stopped_early() const { return result_.stopped_early; }

  // Runs `work` on rank 0 only and hands its value to every rank. Every rank learns whether it
  // failed, so a failure on rank 0 stops all of them at the same update instead of leaving the
  // others waiting in the next collective; rank 0 rethrows its own error.
  double on_rank0_then_all(const std::string& what, const std::function<double()>& work) {
    std::exception_ptr failure;
    double value = 0;
    if (comm_.is_main()) {
      try {
        value = work();
      } catch (...) {
        failure = std::current_exception();
      }
    }
    std::vector<double> shared = {value, failure ? 1.0 : 0.0};
    comm_.all_reduce_sum_values(shared);
    if (failure) std::rethrow_exception(failure);
    if (shared[1] > 0) fail("finetune: rank 0 failed {} (see its error); stopping", what);
    return shared[0];
  }

  bool after_update(int64_t step, Trainer& trainer) override {
    if (++batch_ < steps_per_epoch_) return false;
    // The epoch is done: its mean training loss over all ranks, then rank 0 scores the dev splits.
    std::vector<double> sums = {epoch_loss_.item<double>(), double(epoch_targets())};
    comm_.all_reduce_sum_values(sums);
    epoch_loss_.zero_();
    EpochResult er;
    er.epoch = epoch_;
    er.step = step;
    er.train_loss = (sums[0] + epoch_loss_carry_) / std::max(1.0, sums[1]);
    epoch_loss_carry_ = 0;
    er.primary = on_rank0_then_all(fmt::format("scoring the dev split after epoch {}", epoch_), [&] {
      score_dev(step, trainer, er);
      return er.primary;
    });
    model_.train(true);
    result_.epochs.push_back(er);
    bool stop = false;
    if (er.primary > result_.best_metric) {
      result_.best_metric = er.primary;
      result_.best_epoch = epoch_;
      epochs_without_gain_ = 0;
      on_rank0_then_all(fmt::format("writing {}", result_.best_dir), [&] {
        save_task_checkpoint(result_.best_dir, model_, config_, task_, tok_, step, epoch_, er.primary);
        if (!quiet_) fmt::print("epoch {}: new best {} {:.4f} -> {}\n", epoch_, task_.metric, er.primary, result_.best_dir);
        return 0.0;
      });
    } else if (ft_.patience > 0 && ++epochs_without_gain_ >= ft_.patience) {
      result_.stopped_early = true;
      stop = true;
      if (comm_.is_main() && !quiet_) fmt::print("epoch {}: no gain for {} epoch(s), stopping early\n", epoch_, ft_.patience);
    }
    ++epoch_;
    batch_ = 0;
    return stop;
  }

  void add_checkpoint_files(CheckpointWriter& writer) override {
    nlohmann::json j = task_to_json(task_);
    j["epoch"] = result_.epochs.empty() ? 0 : result_.epochs.back().epoch;
    if (!result_.epochs.empty()) j["dev_" + task_.metric] = result_.epochs.back().primary;
    std::ofstream(writer.path(kTaskFile)) << j.dump(2) << "\n";
    writer.add_file(kTaskFile);
    tok_.save(fs::path(writer.path(kTaskFile)).parent_path().string());
    writer.add_file("vocab.json");
    writer.add_file("merges.txt");
  }

  std::map<std::string, std::string> checkpoint_info() const override {
    return {{"kind", "finetune"},
            {"task", task_.name},
            {"task_type", to_string(task_.type)},
            {"epoch", std::to_string(result_.epochs.empty() ? 0 : result_.epochs.back().epoch)}};
  }

  std::string progress_prefix() const override { return fmt::format("epoch {}/{} | ", epoch_, ft_.epochs); }
  MetricValues train_metrics() const override { return {{"epoch", double(epoch_)}}; }
  bool reports_perplexity() const override { return false; }

 private:
  // Rank 0: every dev split's metrics into `er` (the first split's primary metric selects).
  void score_dev(int64_t step, Trainer& trainer, EpochResult& er) {
    for (const auto& [split, examples] : devs_) {
      TaskPredictions p = predict(model_, examples, task_.type, pad_id_, micro_, device_);
      auto values = compute_metrics(task_, examples, p);
      MetricValues logged = {{"epoch", double(epoch_)}};
      logged.insert(logged.end(), values.begin(), values.end());
      trainer.log_metrics(split, step, logged);
      if (!quiet_) {
        std::string line = fmt::format("epoch {}/{} | {}", epoch_, ft_.epochs, split);
        for (const auto& [name, v] : values) line += fmt::format(" | {} {:.4f}", name, v);
        fmt::print("{}\n", line);
      }
      er.dev.emplace_back(split, std::move(values));
    }
    er.primary = er.dev.front().second.front().second;
  }

  // Labelled targets of this rank over the epoch (the train loss divisor, summed over ranks).
  int64_t epoch_targets() const {
    int64_t targets = 0;
    for (size_t b0 = 0; b0 < order_.size(); b0 += size_t(ft_.batch)) {
      const size_t b1 = std::min(order_.size(), b0 + size_t(ft_.batch));
      for (size_t i = b0 + size_t(comm_.rank()); i < b1; i += size_t(comm_.world_size())) {
        const EncodedExample& e = train_[order_[i]];
        if (task_.type == TaskType::tagging) {
          for (int64_t l : e.token_labels) targets += l != kIgnoreLabel;
        } else {
          targets += e.label != kIgnoreLabel;
        }
      }
    }
    return targets;
  }

  static nlohmann::json epoch_to_json(const EpochResult& e) {
    nlohmann::json dev = nlohmann::json::array();
    for (const auto& [split, values] : e.dev) {
      nlohmann::json v = nlohmann::json::array();
      for (const auto& [name, value] : values) v.push_back({name, number_or_null(value)});
      dev.push_back({{"split", split}, {"values", v}});
    }
    return {{"epoch", e.epoch},
            {"step", e.step},
            {"train_loss", number_or_null(e.train_loss)},
            {"primary", number_or_null(e.primary)},
            {"dev", dev}};
  }

  static EpochResult epoch_from_json(const nlohmann::json& j) {
    EpochResult e;
    e.epoch = j.at("epoch").get<int64_t>();
    e.step = j.at("step").get<int64_t>();
    e.train_loss = number_at(j, "train_loss", std::nan(""));
    e.primary = number_at(j, "primary", std::nan(""));
    for (const auto& d : j.at("dev")) {
      std::vector<std::pair<std::string, double>> values;
      for (const auto& v : d.at("values")) {
        values.emplace_back(v.at(0).get<std::string>(), v.at(1).is_null() ? std::nan("") : v.at(1).get<double>());
      }
      e.dev.emplace_back(d.at("split").get<std::string>(), std::move(values));
    }
    return e;
  }

  const Config& config_;
  const FinetuneConfig& ft_;
  Communicator& comm_;
  const TaskSpec& task_;
  const tokenizer::Tokenizer& tok_;
  TaskModel& model_;
  std::vector<EncodedExample> train_;
  std::vector<std::pair<std::string, std::vector<EncodedExample>>> devs_;
  c10::Device device_;
  bool quiet_;
  int64_t micro_ = 1, accum_ = 1, steps_per_epoch_ = 1, pad_id_ = 1;
  int64_t epoch_ = 1, batch_ = 0;  // the next update's epoch (1-based) and update index in it
  int64_t order_epoch_ = 0;
  std::vector<size_t> order_;
  std::vector<std::vector<const EncodedExample*>> window_;
  at::Tensor epoch_loss_;        // this rank's summed training loss since the epoch began or the last checkpoint (device)
  double epoch_loss_carry_ = 0;  // the epoch's loss before the last checkpoint, all ranks
  int64_t epochs_without_gain_ = 0;
  FinetuneResult result_;
};

}  // namespace

FinetuneResult finetune(const Config& config, bool quiet) {
  SingleProcessCommunicator single(DistEnvironment{}, resolve_device(config.train.device));
  return finetune(config, single, quiet);
}

FinetuneResult finetune(const Config& input_config, Communicator& comm, bool quiet) {
  Config config = input_config;
  const FinetuneConfig& ft = config.finetune;
  const TaskSpec task = resolve_task(ft);
  // The encoder and its tokenizer: from finetune.init, or fresh from model.* + tokenizer.dir.
  PretrainedModel pretrained;
  tokenizer::Tokenizer tok;
  if (!ft.init.empty()) {
    pretrained = load_pretrained(ft.init);
    const double dropout = config.model.dropout, attention_dropout = config.model.attention_dropout;
    config.model = pretrained.config.model;  // the checkpoint's shape wins
    config.model.dropout = dropout;
    config.model.attention_dropout = attention_dropout;
    tok = pretrained.tokenizer;
  } else {
    if (config.tokenizer.dir.empty()) {
      fail("finetune.init: empty, and tokenizer.dir is empty too (expected a pretrained model directory, or "
           "tokenizer.dir for a randomly initialised model)");
    }
    tok = tokenizer::Tokenizer::load(config.tokenizer.dir);
    if (tok.vocab_size() > config.model.vocab_size) {
      fail("model.vocab_size: {} is smaller than the tokenizer's {} tokens ({})", config.model.vocab_size,
           tok.vocab_size(), config.tokenizer.dir);
    }
  }
  // The recorded config must describe what ran (and load again: validate checks these).
  config.finetune.num_labels = task.num_outputs();
  config.tokenizer.vocab_size = tok.vocab_size();
  config.finetune.seq_len = std::min(ft.seq_len, config.model.max_positions);
  config.data.seq_len = std::min(config.data.seq_len, config.model.max_positions);
  validate(config);
  const int64_t seq_len = config.finetune.seq_len;

  const c10::Device device = resolve_device(config.train.device, comm.environment());
  const Precision precision = resolve_precision(config.train.precision, device);
  torch::manual_seed(config.train.seed);
  TaskModel model(config.model, task, ft.head_dropout);
  if (!ft.init.empty()) {
    LoadWeightsReport report = pretrained.load_into(model.module(), {/*allow_missing=*/true, /*allow_unexpected=*/true});
    for (const auto& name : report.missing) {
      if (name.rfind("classifier.", 0) != 0) {
        fail("{}: weight '{}' is missing (expected a RoBERTa encoder checkpoint)", pretrained.weights_path, name);
      }
    }
    if (report.loaded.empty()) fail("{}: no weight matches the model", pretrained.weights_path);
  }
  model.to(device);

  // Data, tokenized once.
  const auto train_examples = read_labeled_examples(task, task.train_file);
  auto train = encode_examples(tok, task, train_examples, seq_len, task.train_file);
  std::vector<std::pair<std::string, std::vector<EncodedExample>>> devs;
  for (const auto& [split, path] : task.dev_files) {
    devs.emplace_back(split, encode_examples(tok, task, read_labeled_examples(task, path), seq_len, path));
  }
  if (train.empty()) fail("{}: no training examples", task.train_file);
  const size_t train_count = train.size();

  TaskUnit unit(config, comm, task, tok, model, std::move(train), std::move(devs), device, quiet);
  // The run is finetune.epochs epochs of updates: what the trainer counts to.
  const int64_t total_steps = unit.steps_per_epoch() * ft.epochs;
  ScheduleOptions sched_options;
  sched_options.kind = ScheduleKind::linear;
  sched_options.warmup_steps = std::llround(ft.warmup_ratio * double(total_steps));
  sched_options.power = 1.0;
  sched_options.end_lr = 0.0;
  LrSchedule schedule(ft.lr, total_steps, sched_options);
  OptimizerOptions opt_options = config.optim.optimizer_options();
  opt_options.lr = ft.lr;
  opt_options.weight_decay = ft.weight_decay;
  Optimizer optimizer(model.module(), opt_options);
  Trainer trainer(config, comm, unit, optimizer, schedule, device, precision);
  trainer.set_max_steps(total_steps);
  const bool resumed = trainer.resume(false);
  if (!quiet && comm.is_main()) {
    fmt::print("finetune {} ({}, {} outputs): {} train examples, {} updates of {} ({} x micro {} x accum {}), device {}{}\n",
               task.name, to_string(task.type), task.num_outputs(), train_count,
               total_steps, ft.batch, comm.world_size(), unit.micro(), unit.accumulation(), device.str(),
               resumed ? fmt::format(" | resumed at step {}", trainer.step()) : std::string());
  }
  // A run that stopped early has nothing left to do, however often it is started again.
  const TrainResult run = unit.stopped_early() ? TrainResult{} : trainer.run();
  FinetuneResult result = unit.result();
  result.last_dir = trainer.last_checkpoint();
  if (!quiet && comm.is_main()) {
    if (run.interrupted) fmt::print("stopped by signal; resume with the same command\n");
    fmt::print("best: epoch {} with dev {} {:.4f} ({})\n", result.best_epoch, task.metric, result.best_metric,
               result.best_dir);
  }
  return result;
}

}  // namespace roberta
