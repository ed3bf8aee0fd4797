// The fine-tuning loop: epochs of shuffled batches, per-epoch dev scores, best/last checkpoints.
#include "roberta/tasks/finetuner.h"

#include "data/random.h"

#include <ATen/ATen.h>
#include <torch/utils.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>

#include <fmt/format.h>

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

}  // namespace

FinetuneResult finetune(const Config& input_config, bool quiet) {
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
  const int64_t micro = ft.micro > 0 ? ft.micro : ft.batch;
  if (ft.batch % micro != 0) fail("finetune.micro: {} does not divide finetune.batch {}", micro, ft.batch);

  const c10::Device device = resolve_device(config.train.device);
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
  const auto train = encode_examples(tok, task, train_examples, seq_len, task.train_file);
  std::vector<std::pair<std::string, std::vector<EncodedExample>>> devs;
  for (const auto& [split, path] : task.dev_files) {
    devs.emplace_back(split, encode_examples(tok, task, read_labeled_examples(task, path), seq_len, path));
  }
  if (train.empty()) fail("{}: no training examples", task.train_file);

  const int64_t steps_per_epoch = (int64_t(train.size()) + ft.batch - 1) / ft.batch;
  const int64_t total_steps = steps_per_epoch * ft.epochs;
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

  fs::create_directories(config.train.out_dir);
  std::ofstream(fs::path(config.train.out_dir) / "config.yaml") << to_yaml(config);
  MetricsLogger metrics(config.train.out_dir);
  const int64_t pad_id = tok.has_pad() ? tok.pad_id() : config.model.pad_id;
  if (!quiet) {
    fmt::print("finetune {} ({}, {} outputs): {} train examples, {} updates of {} ({} x micro {}), device {}\n",
               task.name, to_string(task.type), task.num_outputs(), train.size(), total_steps, ft.batch,
               ft.batch / micro, micro, device.str());
  }

  FinetuneResult result;
  result.metric = task.metric;
  result.best_dir = (fs::path(config.train.out_dir) / "best").string();
  result.best_metric = -std::numeric_limits<double>::infinity();
  int64_t step = 0, epochs_without_gain = 0;
  const auto start = std::chrono::steady_clock::now();
  double interval_loss = 0;
  int64_t interval_count = 0, interval_tokens = 0;
  auto interval_start = start;

  for (int64_t epoch = 1; epoch <= ft.epochs; ++epoch) {
    model.train(true);
    const std::vector<size_t> order = epoch_order(train.size(), config.train.seed, epoch);
    double epoch_loss = 0;
    int64_t epoch_count = 0;
    for (size_t b0 = 0; b0 < order.size(); b0 += size_t(ft.batch)) {
      const size_t b1 = std::min(order.size(), b0 + size_t(ft.batch));
      // The loss is summed over the batch's targets and divided by their count in the whole
      // batch, so accumulating micro-batches gives the same update as one big batch.
      std::vector<std::vector<const EncodedExample*>> micros;
      int64_t targets = 0;
      for (size_t m0 = b0; m0 < b1; m0 += size_t(micro)) {
        std::vector<const EncodedExample*> chunk;
        for (size_t i = m0; i < std::min(b1, m0 + size_t(micro)); ++i) {
          const EncodedExample& e = train[order[i]];
          chunk.push_back(&e);
          if (task.type == TaskType::tagging) {
            for (int64_t l : e.token_labels) targets += l != kIgnoreLabel;
          } else {
            targets += e.label != kIgnoreLabel;
          }
        }
        micros.push_back(std::move(chunk));
      }
      if (targets == 0) fail("{}: a batch without labelled targets (is the training file labelled?)", task.train_file);
      for (const auto& chunk : micros) {
        TaskBatch batch = collate(chunk, task.type, pad_id);
        interval_tokens += batch.input_ids.numel();
        at::Tensor logits;
        {
          AutocastScope autocast(precision, device);
          logits = model.forward(batch.input_ids.to(device));
        }
        auto [loss_sum, n] = model.summed_loss(logits, batch.labels.to(device));
        (loss_sum / double(targets)).backward();
        const double value = loss_sum.item<double>();
        epoch_loss += value;
        epoch_count += n;
        interval_loss += value;
        interval_count += n;
      }
      ++step;
      const double lr = schedule.lr(step);
      optimizer.set_lr(lr);
      double gnorm = 0;
      if (opt_options.clip_norm > 0) {
        gnorm = grad_norm(optimizer.parameters());
        clip_grad_norm(optimizer.parameters(), opt_options.clip_norm, gnorm);
      }
      optimizer.step();
      optimizer.zero_grad();
      if (config.train.log_every > 0 && (step % config.train.log_every == 0 || step == total_steps)) {
        const auto now = std::chrono::steady_clock::now();
        const double elapsed = std::chrono::duration<double>(now - start).count();
        const double dt = std::chrono::duration<double>(now - interval_start).count();
        const double loss = interval_loss / double(std::max<int64_t>(1, interval_count));
        metrics.log("train", step, {{"loss", loss}, {"lr", lr}, {"epoch", double(epoch)}});
        if (!quiet) {
          fmt::print("epoch {}/{} | step {}/{} | loss {:.4f} | lr {:.1e} | {} tok/s | eta {}\n", epoch, ft.epochs, step,
                     total_steps, loss, lr, format_rate(dt > 0 ? double(interval_tokens) / dt : 0),
                     format_duration(elapsed / double(step) * double(total_steps - step)));
        }
        interval_loss = 0;
        interval_count = 0;
        interval_tokens = 0;
        interval_start = now;
      }
    }

    EpochResult er;
    er.epoch = epoch;
    er.step = step;
    er.train_loss = epoch_loss / double(std::max<int64_t>(1, epoch_count));
    for (const auto& [split, examples] : devs) {
      TaskPredictions p = predict(model, examples, task.type, pad_id, micro, device);
      auto values = compute_metrics(task, examples, p);
      MetricValues logged = {{"epoch", double(epoch)}};
      logged.insert(logged.end(), values.begin(), values.end());
      metrics.log(split, step, logged);
      if (!quiet) {
        std::string line = fmt::format("epoch {}/{} | {}", epoch, ft.epochs, split);
        for (const auto& [name, v] : values) line += fmt::format(" | {} {:.4f}", name, v);
        fmt::print("{}\n", line);
      }
      er.dev.emplace_back(split, std::move(values));
    }
    er.primary = er.dev.front().second.front().second;
    result.epochs.push_back(er);
    if (er.primary > result.best_metric) {
      result.best_metric = er.primary;
      result.best_epoch = epoch;
      epochs_without_gain = 0;
      save_task_checkpoint(result.best_dir, model, config, task, tok, step, epoch, er.primary);
      if (!quiet) fmt::print("epoch {}: new best {} {:.4f} -> {}\n", epoch, task.metric, er.primary, result.best_dir);
    } else if (ft.patience > 0 && ++epochs_without_gain >= ft.patience) {
      result.stopped_early = true;
      if (!quiet) fmt::print("epoch {}: no gain for {} epoch(s), stopping early\n", epoch, ft.patience);
      break;
    }
  }

  // The last state too, under the pretrainer's names.
  const auto last = result.epochs.back();
  const fs::path last_dir = fs::path(config.train.out_dir) / fmt::format("checkpoint-{}", last.step);
  save_task_checkpoint(last_dir.string(), model, config, task, tok, last.step, last.epoch, last.primary);
  const fs::path link = fs::path(config.train.out_dir) / "checkpoint-last";
  const fs::path tmp_link = fs::path(config.train.out_dir) / "checkpoint-last.tmp";
  std::error_code ec;
  fs::remove(tmp_link, ec);
  fs::create_directory_symlink(last_dir.filename(), tmp_link);
  fs::rename(tmp_link, link);
  result.last_dir = last_dir.string();
  if (!quiet) {
    fmt::print("best: epoch {} with dev {} {:.4f} ({})\n", result.best_epoch, task.metric, result.best_metric,
               result.best_dir);
  }
  return result;
}

}  // namespace roberta
