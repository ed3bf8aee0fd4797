// See trainer.h.
#include "roberta/train/trainer.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <exception>
#include <filesystem>
#include <fstream>

#include "roberta/train/checkpoint.h"
#include "roberta/train/grad_utils.h"
#include "roberta/train/loss.h"
#include "roberta/train/loss_scaler.h"
#include "roberta/train/lr_schedule.h"
#include "roberta/train/nonfinite_guard.h"
#include "roberta/train/optimizer.h"
#include "roberta/train/precision.h"
#include "roberta/train/progress_line.h"
#include "roberta/train/tensorboard.h"
#include "roberta/train/update_rng.h"
#include "util/error.h"

namespace fs = std::filesystem;

namespace roberta {
namespace {

std::atomic<int> g_stop_signals{0};
std::atomic<bool> g_stop_requested{false};

void on_stop_signal(int) {
  if (g_stop_signals.fetch_add(1) >= 1) _exit(130);  // second signal: leave at once
  g_stop_requested = true;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

constexpr const char* kTrainerStateFile = "trainer_state.json";
constexpr const char* kOptimizerFile = "optimizer.pt";
constexpr const char* kLastLink = "checkpoint-last";

std::string checkpoint_name(int64_t step) { return fmt::format("checkpoint-{}", step); }

// checkpoint-N directories of out_dir that were committed, oldest first.
std::vector<std::pair<int64_t, fs::path>> list_checkpoints(const std::string& out_dir) {
  std::vector<std::pair<int64_t, fs::path>> found;
  if (!fs::is_directory(out_dir)) return found;
  for (const auto& entry : fs::directory_iterator(out_dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("checkpoint-", 0) != 0 || !entry.is_directory() || entry.is_symlink()) continue;
    const std::string digits = name.substr(11);
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    if (!fs::exists(entry.path() / kCheckpointManifestFile)) continue;  // never committed
    found.emplace_back(std::stoll(digits), entry.path());
  }
  std::sort(found.begin(), found.end());
  return found;
}

// Leftovers of a process killed mid-save (checkpoint-N.tmp-PID, never renamed into place) or
// mid-pruning (checkpoint-N.deleting): never a real checkpoint, often full-size, so they go.
void remove_unfinished_checkpoints(const std::string& out_dir) {
  if (!fs::is_directory(out_dir)) return;
  std::vector<fs::path> doomed;
  for (const auto& entry : fs::directory_iterator(out_dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("checkpoint-", 0) != 0 || !entry.is_directory() || entry.is_symlink()) continue;
    const bool temp = name.find(".tmp-") != std::string::npos;
    const bool deleting = name.size() > 9 && name.compare(name.size() - 9, 9, ".deleting") == 0;
    if (temp || deleting) doomed.push_back(entry.path());
  }
  for (const auto& path : doomed) {
    std::error_code ec;
    fs::remove_all(path, ec);
    if (!ec) fmt::print(stderr, "removed unfinished checkpoint {}\n", path.string());
  }
}

}  // namespace

// Where the run stands, besides weights, optimizer and the unit's data (trainer_state.json).
struct Trainer::State {
  int64_t step = 0;
  int64_t tokens_seen = 0;  // input tokens of every update so far, all ranks
  int64_t skipped_total = 0;
  int64_t skipped_in_a_row = 0;
  // Dynamic loss scaling (train.loss_scale): the scale, its clean-step counter, and the
  // updates skipped because the scaled gradients overflowed (not counted as non-finite).
  double loss_scale = 0;
  int64_t loss_scale_clean_steps = 0;
  int64_t overflow_skipped = 0;

  nlohmann::json to_json() const {
    return {{"step", step},
            {"tokens_seen", tokens_seen},
            {"skipped_total", skipped_total},
            {"skipped_in_a_row", skipped_in_a_row},
            {"loss_scale", loss_scale},
            {"loss_scale_clean_steps", loss_scale_clean_steps},
            {"overflow_skipped", overflow_skipped}};
  }
  void from_json(const nlohmann::json& j) {
    j.at("step").get_to(step);
    j.at("tokens_seen").get_to(tokens_seen);
    j.at("skipped_total").get_to(skipped_total);
    j.at("skipped_in_a_row").get_to(skipped_in_a_row);
    // Absent in checkpoints written before loss scaling existed.
    loss_scale = j.value("loss_scale", 0.0);
    loss_scale_clean_steps = j.value("loss_scale_clean_steps", int64_t{0});
    overflow_skipped = j.value("overflow_skipped", int64_t{0});
  }
};

Trainer::Trainer(const Config& config, Communicator& comm, TrainingUnit& unit, Optimizer& optimizer,
                 const LrSchedule& schedule, c10::Device device, Precision precision, bool write_outputs)
    : config_(config),
      comm_(comm),
      unit_(unit),
      optimizer_(optimizer),
      schedule_(schedule),
      device_(device),
      precision_(precision),
      max_steps_(config.train.max_steps),
      state_(std::make_unique<State>()) {
  if (comm_.world_size() > 1 && comm_.device() != device_) {
    fail("train.device: this rank trains on {}, but its {} communicator reduces tensors on {}; "
         "make the communicator with the training device (make_communicator)",
         device_.str(), comm_.backend(), comm_.device().str());
  }
  sync_ = comm_.make_gradient_sync(optimizer_.parameters());  // also gives every rank rank 0's weights
  guard_ = std::make_unique<NonFiniteGuard>(config_.train.max_nonfinite_in_a_row);
  if (uses_loss_scaling(config_.train.loss_scale, precision_)) {
    LossScalerOptions scaling;
    scaling.init_scale = config_.train.loss_scale_init;
    scaling.growth_interval = config_.train.loss_scale_window;
    scaler_ = std::make_unique<DynamicLossScaler>(scaling);
  }
  if (comm_.is_main() && write_outputs) {
    fs::create_directories(config_.train.out_dir);
    remove_unfinished_checkpoints(config_.train.out_dir);
    std::ofstream(fs::path(config_.train.out_dir) / "config.yaml") << to_yaml(config_);
    metrics_ = std::make_unique<MetricsLogger>(config_.train.out_dir);
    if (config_.train.tensorboard) {
      tensorboard_ = std::make_unique<TensorBoardWriter>((fs::path(config_.train.out_dir) / "tensorboard").string());
    }
  }
}

Trainer::~Trainer() = default;

int64_t Trainer::step() const { return state_->step; }

void Trainer::log_metrics(const std::string& split, int64_t step, const MetricValues& values) {
  if (!comm_.is_main() || !metrics_) return;
  metrics_->log(split, step, values);
  if (tensorboard_) {
    for (const auto& [name, value] : values) tensorboard_->add_scalar(split + "/" + name, value, step);
    tensorboard_->flush();
  }
}

UpdateStats Trainer::update(int64_t step) {
  // The window's micro-batches first: the loss divisor is the global target count.
  const UpdateWindow window = unit_.next_window();
  // [targets, aux targets, stop requests, tokens] summed over ranks: one small collective per update.
  std::vector<double> counts = {double(window.targets), double(window.aux_targets), double(stop_requested() ? 1 : 0),
                                double(window.tokens)};
  comm_.all_reduce_sum_values(counts);
  const int64_t global_targets = static_cast<int64_t>(counts[0]);
  const int64_t global_aux = static_cast<int64_t>(counts[1]);
  // Every rank acts on this agreed flag, never on its own stop_requested(): a signal that lands
  // on one rank between here and the end of the update would otherwise send that rank alone
  // into the logging and checkpoint collectives (the launcher forwards to ranks one by one).
  stop_agreed_ = counts[2] > 0;
  if (stop_agreed_) request_stop();

  seed_update_rng(config_.train.seed, comm_.rank(), step);
  // Loss sums stay on the device until the update is done: one host sync per update, not per
  // micro-step.
  at::Tensor total = at::zeros({}, at::TensorOptions().dtype(at::kFloat).device(device_));
  at::Tensor aux_total = at::zeros({}, at::TensorOptions().dtype(at::kFloat).device(device_));
  unit_.module().train();
  for (int64_t i = 0; i < window.micro_batches; ++i) {
    at::Tensor loss;
    {
      AutocastScope autocast(precision_, device_);
      MicroLoss micro = unit_.micro_loss(i);
      total += micro.sum.detach();
      loss = scale_loss(micro.sum, global_targets) * unit_.loss_weight();
      if (micro.aux_sum.defined()) {
        aux_total += micro.aux_sum.detach();
        loss = loss + scale_loss(micro.aux_sum, global_aux) * unit_.aux_weight();
      }
    }
    if (scaler_) loss = scaler_->scale_loss(loss);
    sync_->backward(loss, /*last=*/i + 1 == window.micro_batches);
  }

  UpdateStats stats;
  stats.step = step;
  stats.targets = window.targets;
  stats.aux_targets = window.aux_targets;
  stats.tokens = window.tokens;
  stats.global_targets = global_targets;
  // The update's one device-to-host read of losses (the gradient norm is the other).
  const at::Tensor sums = at::stack({total, aux_total}).to(at::kDouble).cpu();
  stats.loss_sum = sums[0].item<double>();
  stats.aux_sum = sums[1].item<double>();
  // Every rank must reach the same verdict on this update (skip or step, and the guard's
  // count): the gradients are all-reduced already, the losses are not.
  std::vector<double> loss_finite = {is_finite(stats.loss_sum) && is_finite(stats.aux_sum) ? 0.0 : 1.0};
  comm_.all_reduce_sum_values(loss_finite);
  const bool losses_finite = loss_finite[0] == 0;
  stats.lr = schedule_.lr(step);
  stats.grad_norm = last_grad_norm_;
  const auto& params = optimizer_.parameters();
  // Gradients are all-reduced by now, so every rank reaches the same overflow verdict. An
  // overflow of the scaled gradients with a finite loss is fp16's normal business: back off
  // and skip the update without counting it against train.max_nonfinite_in_a_row.
  if (scaler_ && losses_finite && !scaler_->unscale(params)) {
    const double scale = scaler_->scale();
    scaler_->update(/*found_overflow=*/true);
    ++state_->overflow_skipped;
    if (comm_.is_main()) {
      fmt::print(stderr, "step {}: gradients overflow at loss scale {:g}, update skipped, scale now {:g}\n", step,
                 scale, scaler_->scale());
    }
  } else {
    stats.grad_norm = grad_norm(params);
    const bool finite = is_finite(stats.grad_norm) && losses_finite;
    if (scaler_) scaler_->update(/*found_overflow=*/!finite);
    if (guard_->check(finite, step)) {
      clip_grad_norm(params, config_.optim.clip_norm, stats.grad_norm);
      optimizer_.set_lr(stats.lr);
      optimizer_.step();
      stats.applied = true;
    } else if (comm_.is_main()) {
      fmt::print(stderr, "warning: step {}: non-finite loss or gradient, update skipped ({} in a row)\n", step,
                 guard_->skipped_in_a_row());
    }
  }
  optimizer_.zero_grad();

  state_->step = step;
  state_->tokens_seen += static_cast<int64_t>(counts[3]);  // all ranks
  interval_loss_sum_ += stats.loss_sum;
  interval_aux_sum_ += stats.aux_sum;
  interval_targets_ += window.targets;
  interval_aux_ += window.aux_targets;
  interval_tokens_ += window.tokens;
  last_lr_ = stats.lr;
  last_grad_norm_ = stats.grad_norm;
  return stats;
}

void Trainer::log_train(int64_t step, double elapsed_s) {
  std::vector<double> sums = {interval_loss_sum_, double(interval_targets_), interval_aux_sum_, double(interval_aux_),
                              double(interval_tokens_)};
  comm_.all_reduce_sum_values(sums);
  const double loss = sums[1] > 0 ? sums[0] / sums[1] : 0.0;
  const double tokens_per_s = elapsed_s > 0 ? sums[4] / elapsed_s : 0.0;
  last_train_loss_ = loss;
  if (comm_.is_main()) {
    ProgressFields fields;
    fields.step = step;
    fields.total_steps = max_steps_;
    fields.loss = loss;
    fields.ppl = perplexity(loss);
    fields.lr = last_lr_;
    fields.grad_norm = last_grad_norm_;
    fields.tokens_per_s = tokens_per_s;
    const double run_s = seconds_since(run_start_);
    const int64_t done = step - run_start_step_;
    fields.eta_seconds = done > 0 ? run_s / done * (max_steps_ - step) : -1;
    fields.show_ppl = unit_.reports_perplexity();
    fmt::print("{}{}\n", unit_.progress_prefix(), format_progress_line(fields));
    std::fflush(stdout);
    MetricValues values = {{"loss", loss}};
    if (unit_.reports_perplexity()) values.push_back({"ppl", perplexity(loss)});
    values.insert(values.end(), {{"lr", last_lr_},
                           {"grad_norm", last_grad_norm_},
                           {"tokens_per_s", tokens_per_s},
                           {"tokens_seen", double(state_->tokens_seen)},
                           {"skipped", double(guard_->skipped_total())}});
    if (scaler_) {
      values.push_back({"loss_scale", scaler_->scale()});
      values.push_back({"overflow_skipped", double(state_->overflow_skipped)});
    }
    if (sums[3] > 0) values.push_back({unit_.aux_name(), sums[2] / sums[3]});
    for (const auto& extra : unit_.train_metrics()) values.push_back(extra);
    log_metrics("train", step, values);
  }
  interval_loss_sum_ = interval_aux_sum_ = 0;
  interval_targets_ = interval_aux_ = interval_tokens_ = 0;
}

TrainResult Trainer::run() {
  run_start_ = interval_start_ = std::chrono::steady_clock::now();
  run_start_step_ = state_->step;
  TrainResult result;
  int64_t step = state_->step;
  while (step < max_steps_) {
    ++step;
    update(step);
    const bool last = step == max_steps_;
    if (step % config_.train.log_every == 0 || last || stop_agreed_) {
      log_train(step, seconds_since(interval_start_));
      interval_start_ = std::chrono::steady_clock::now();
    }
    result.stopped_by_unit = unit_.after_update(step, *this);
    const bool save = last || stop_agreed_ || result.stopped_by_unit ||
                      (config_.train.save_every > 0 && step % config_.train.save_every == 0);
    if (save) last_checkpoint_ = save_checkpoint(step);
    if (stop_agreed_) {
      result.interrupted = true;
      if (comm_.is_main()) fmt::print("stopped by signal at step {}; checkpoint {}\n", step, last_checkpoint_);
      break;
    }
    if (result.stopped_by_unit) break;
  }
  result.step = step;
  result.last_train_loss = last_train_loss_;
  result.checkpoint = last_checkpoint_;
  return result;
}

std::string Trainer::save_checkpoint(int64_t step) {
  const fs::path final_dir = fs::path(config_.train.out_dir) / checkpoint_name(step);
  // Every rank's data position (they differ: epochs split unevenly), gathered with a sum of
  // one-hot rows. This collective also means every rank finished the update.
  unit_.before_checkpoint();
  const std::vector<int64_t> mine = unit_.data_position();
  const size_t width = mine.size();
  std::vector<double> positions(width * static_cast<size_t>(comm_.world_size()), 0.0);  // [world, width]
  for (size_t k = 0; k < width; ++k) positions[width * comm_.rank() + k] = double(mine[k]);
  comm_.all_reduce_sum_values(positions);
  std::exception_ptr failure;  // rank 0's, when the save failed
  if (comm_.is_main()) {
    try {
      write_checkpoint(final_dir.string(), step, positions, width);
    } catch (...) {
      failure = std::current_exception();
    }
  }
  // In place of a barrier: every rank learns whether rank 0's save succeeded, so a failed save
  // (disk full, permissions) stops every rank now, not rank 0 alone with the others left in
  // their next collective until dist.timeout_s.
  std::vector<double> failed = {failure ? 1.0 : 0.0};
  comm_.all_reduce_sum_values(failed);
  if (failure) std::rethrow_exception(failure);
  if (failed[0] > 0) fail("checkpoint: rank 0 could not write {} (see rank 0's error); stopping", final_dir.string());
  last_checkpoint_ = final_dir.string();
  return last_checkpoint_;
}

// Rank 0's part of a save: the checkpoint directory, checkpoint-last, and pruning to keep_last.
void Trainer::write_checkpoint(const std::string& final_dir, int64_t step, const std::vector<double>& positions,
                               size_t width) {
  CheckpointWriter writer(final_dir);
  writer.save_weights(unit_.module());
  optimizer_.save(writer.path(kOptimizerFile));
  writer.add_file(kOptimizerFile);
  State state = *state_;
  state.skipped_total = guard_->skipped_total();
  state.skipped_in_a_row = guard_->skipped_in_a_row();
  if (scaler_) {
    state.loss_scale = scaler_->scale();
    state.loss_scale_clean_steps = scaler_->clean_steps();
  }
  nlohmann::json j = state.to_json();
  const nlohmann::json unit_state = unit_.unit_state();
  for (const auto& [key, value] : unit_state.items()) j[key] = value;
  j["world_size"] = comm_.world_size();
  j["loader_positions"] = nlohmann::json::array();
  for (int r = 0; r < comm_.world_size(); ++r) {
    nlohmann::json row = nlohmann::json::array();
    for (size_t k = 0; k < width; ++k) row.push_back(static_cast<int64_t>(positions[width * r + k]));
    j["loader_positions"].push_back(row);
  }
  std::ofstream(writer.path(kTrainerStateFile)) << j.dump(2) << "\n";
  writer.add_file(kTrainerStateFile);
  unit_.add_checkpoint_files(writer);
  writer.commit(step, to_yaml(config_), unit_.checkpoint_info());

  // checkpoint-last -> the newest, swapped atomically; then drop the oldest beyond keep_last.
  const fs::path link = fs::path(config_.train.out_dir) / kLastLink;
  const fs::path tmp_link = fs::path(config_.train.out_dir) / (std::string(kLastLink) + ".tmp");
  std::error_code ec;
  fs::remove(tmp_link, ec);
  fs::create_directory_symlink(fs::path(final_dir).filename(), tmp_link);
  fs::rename(tmp_link, link);
  if (config_.train.keep_last > 0) {
    // Only checkpoints up to this one: newer ones (an out_dir reused with train.resume: never)
    // are not this run's to delete, and this one must stay.
    auto all = list_checkpoints(config_.train.out_dir);
    all.erase(std::remove_if(all.begin(), all.end(), [&](const auto& c) { return c.first > step; }), all.end());
    for (size_t i = 0; i + config_.train.keep_last < all.size(); ++i) {
      // Renamed away first: a kill during the deletion must not leave a half-deleted
      // checkpoint under its real name (found by tests/reliability, kill -9 trials).
      const fs::path doomed = all[i].second.string() + ".deleting";
      std::error_code rm_ec;
      fs::remove_all(doomed, rm_ec);
      fs::rename(all[i].second, doomed, rm_ec);
      fs::remove_all(rm_ec ? all[i].second : doomed, rm_ec);
    }
  }
}

bool Trainer::resume(bool force) {
  if (!force && config_.train.resume == ResumeMode::never) return false;
  // Rank 0 decides where to resume, from its view of out_dir, and tells every rank the step
  // and the CRC-32C of that checkpoint's manifest (which lists every file's CRC-32C). Each rank
  // then proves it sees the same checkpoint and can load it, or every rank stops with the same
  // message: ranks that resumed from different files (a node-local disk, a half-synced copy)
  // would silently train different models, and a rank failing alone would leave the others
  // waiting in their next collective for dist.timeout_s.
  std::vector<int64_t> decision = {-1, 0};  // step (-1: start afresh, -2: rank 0 failed), manifest CRC-32C
  std::string chosen, failure;
  if (comm_.is_main()) {
    try {
      auto all = list_checkpoints(config_.train.out_dir);
      if (!all.empty()) {
        chosen = all.back().second.filename().string();
        decision[1] = file_crc32c((all.back().second / kCheckpointManifestFile).string()).first;
        decision[0] = all.back().first;
      }
    } catch (const std::exception& e) {
      decision[0] = -2;
      failure = e.what();
    }
  }
  comm_.broadcast_values(decision);
  if (decision[0] == -2) {
    fail("resume: rank 0 could not choose a checkpoint in train.out_dir = {}: {}", config_.train.out_dir,
         comm_.is_main() ? failure : std::string("see rank 0's error"));
  }
  if (decision[0] < 0) {
    if (force) {
      fail("--resume: no checkpoint-N directory with a {} in train.out_dir = {}{}", kCheckpointManifestFile,
           config_.train.out_dir, comm_.world_size() > 1 ? " (as rank 0 sees it)" : "");
    }
    return false;
  }
  const fs::path dir = fs::path(config_.train.out_dir) / (comm_.is_main() ? chosen : checkpoint_name(decision[0]));
  const fs::path manifest = dir / kCheckpointManifestFile;
  std::string mine;  // why this rank cannot resume from rank 0's choice ("" when it can)
  nlohmann::json j;
  try {
    if (!fs::exists(manifest)) {
      mine = fmt::format("{} does not exist", manifest.string());
    } else if (const uint32_t crc = file_crc32c(manifest.string()).first; crc != uint32_t(decision[1])) {
      mine = fmt::format("{} has CRC-32C {:08x}", manifest.string(), crc);
    } else {
      CheckpointReader reader = CheckpointReader::open(dir.string());  // every file's size and CRC
      const auto info = unit_.checkpoint_info();
      const auto kind = info.find("kind");
      const auto saved_kind = reader.info.find("kind");
      if (!reader.has_file(kTrainerStateFile) || !reader.has_file(kOptimizerFile) ||
          (kind != info.end() && saved_kind != reader.info.end() && saved_kind->second != kind->second)) {
        fail("resume: {} is not a checkpoint this {} run can continue ({}); use another train.out_dir, or "
             "train.resume: never to start afresh in it",
             dir.string(), kind != info.end() ? kind->second : std::string("training"),
             !reader.has_file(kTrainerStateFile) || !reader.has_file(kOptimizerFile)
                 ? "no trainer_state.json / optimizer.pt: written by an older roberta"
                 : fmt::format("it is a {} checkpoint", saved_kind->second));
      }
      reader.load_weights(unit_.module());
      optimizer_.load(reader.path(kOptimizerFile));
      try {
        j = nlohmann::json::parse(std::ifstream(reader.path(kTrainerStateFile)));
        state_->from_json(j);
      } catch (const nlohmann::json::exception& e) {
        fail("{}: expected the trainer state (step, tokens_seen, loader, ...), found: {}",
             reader.path(kTrainerStateFile), e.what());
      }
    }
  } catch (const std::exception& e) {
    mine = e.what();
  }
  std::vector<double> disagree(static_cast<size_t>(comm_.world_size()), 0.0);  // 1 = rank cannot
  disagree[static_cast<size_t>(comm_.rank())] = mine.empty() ? 0.0 : 1.0;
  comm_.all_reduce_sum_values(disagree);
  std::vector<std::string> ranks;
  for (size_t r = 0; r < disagree.size(); ++r) {
    if (disagree[r] > 0) ranks.push_back(std::to_string(r));
  }
  if (!ranks.empty()) {
    if (comm_.world_size() == 1) fail("{}", mine);  // one process: its own error, as it was
    fail("resume: rank 0 resumes from {} in train.out_dir (its checkpoint.json has CRC-32C {:08x}), but "
         "rank(s) {} of {} see a different, missing or unreadable copy{}. Every rank must read the same "
         "checkpoint: put train.out_dir on a filesystem all nodes share, or copy it to each node completely",
         dir.filename().string(), uint32_t(decision[1]), fmt::join(ranks, ", "), comm_.world_size(),
         mine.empty() ? std::string() : fmt::format(" (this is rank {}: {})", comm_.rank(), mine));
  }
  // This rank's data position, when the saved run had as many ranks (another world size splits
  // the data differently: the unit restarts at a boundary).
  std::vector<int64_t> position;
  if (j.value("world_size", int64_t{1}) == comm_.world_size() && j.contains("loader_positions")) {
    for (const auto& value : j["loader_positions"].at(comm_.rank())) position.push_back(value.get<int64_t>());
  }
  unit_.restore(j, position);
  guard_->restore(state_->skipped_total, state_->skipped_in_a_row);
  if (scaler_ && state_->loss_scale > 0) scaler_->restore(state_->loss_scale, state_->loss_scale_clean_steps);
  // No generator state to restore: seed_update_rng makes it a function of the step.
  last_checkpoint_ = dir.string();
  return true;
}

void install_stop_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool stop_requested() { return g_stop_requested.load(); }
void request_stop() { g_stop_requested = true; }

}  // namespace roberta
