#include "roberta/train/pretrainer.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/GradMode.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <torch/serialize.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "data/dataset.h"
#include "data/loader.h"
#include "roberta/model/task_models.h"
#include "roberta/train/checkpoint.h"
#include "roberta/train/grad_utils.h"
#include "roberta/train/loss.h"
#include "roberta/train/lr_schedule.h"
#include "roberta/train/metrics_logger.h"
#include "roberta/train/nonfinite_guard.h"
#include "roberta/train/optimizer.h"
#include "roberta/train/loss_scaler.h"
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

bool token_batched(data::InputFormat format) {
  return format == data::InputFormat::doc_sentences || format == data::InputFormat::sentence_pair;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The dataset directories preprocessing wrote: <shard_dir>/train and <shard_dir>/valid.
std::string shard_dir(const Config& config) {
  return config.data.shard_dir.empty() ? (fs::path(config.train.out_dir) / "shards").string()
                                       : config.data.shard_dir;
}

// What a checkpoint holds besides weights and optimizer: where the run stands.
struct TrainerState {
  int64_t step = 0;
  int64_t tokens_seen = 0;
  int64_t skipped_total = 0;
  int64_t skipped_in_a_row = 0;
  // Dynamic loss scaling (train.loss_scale): the scale, its clean-step counter, and the
  // updates skipped because the scaled gradients overflowed (not counted as non-finite).
  double loss_scale = 0;
  int64_t loss_scale_clean_steps = 0;
  int64_t overflow_skipped = 0;
  data::LoaderState loader;
};

// Holds everything one run needs, built once; run() is the loop.
class Pretrainer {
 public:
  Pretrainer(const Config& config, Communicator& comm) : config_(config), comm_(comm) {}

  PretrainResult run(bool force_resume);

 private:
  void build();
  bool try_resume(bool force_resume);
  void train_step(int64_t step);
  // The bookkeeping every update attempt ends with (applied or skipped).
  void finish_step(int64_t step, int64_t masked, int64_t nsp, int64_t tokens, double loss_sum,
                   double nsp_sum, double lr, double norm);
  double validate();
  std::string save_checkpoint(int64_t step);
  void write_checkpoint(const fs::path& final_dir, int64_t step, const data::LoaderState& mine,
                        const std::vector<double>& positions);
  void log_train(int64_t step, double elapsed_s);

  const Config& config_;
  Communicator& comm_;
  c10::Device device_{c10::kCPU};
  Precision precision_ = Precision::fp32;
  int64_t accum_ = 1;
  std::shared_ptr<const data::Dataset> train_set_, valid_set_;
  std::unique_ptr<data::Loader> train_loader_, valid_loader_;
  RobertaForMaskedLM model_{nullptr};
  std::unique_ptr<Optimizer> optimizer_;
  std::unique_ptr<LrSchedule> schedule_;
  std::unique_ptr<GradientSync> sync_;
  std::unique_ptr<NonFiniteGuard> guard_;
  std::unique_ptr<DynamicLossScaler> scaler_;  // null unless loss scaling is on
  std::unique_ptr<MetricsLogger> metrics_;
  std::unique_ptr<TensorBoardWriter> tensorboard_;
  TrainerState state_;
  std::string last_checkpoint_;

  // Since the last log line (this rank's sums; all-reduced when logged).
  double interval_loss_sum_ = 0, interval_nsp_sum_ = 0;
  int64_t interval_masked_ = 0, interval_nsp_ = 0, interval_tokens_ = 0, interval_steps_ = 0;
  double last_lr_ = 0, last_grad_norm_ = 0, last_train_loss_ = 0, last_valid_loss_ = -1;
  std::chrono::steady_clock::time_point interval_start_, run_start_;
  int64_t run_start_step_ = 0;
  bool stop_agreed_ = false;  // some rank had a stop request when this update began
};

void to_json(nlohmann::json& j, const TrainerState& s) {
  j = nlohmann::json{{"step", s.step},
                     {"tokens_seen", s.tokens_seen},
                     {"skipped_total", s.skipped_total},
                     {"skipped_in_a_row", s.skipped_in_a_row},
                     {"loss_scale", s.loss_scale},
                     {"loss_scale_clean_steps", s.loss_scale_clean_steps},
                     {"overflow_skipped", s.overflow_skipped},
                     {"loader", s.loader}};
}

void from_json(const nlohmann::json& j, TrainerState& s) {
  j.at("step").get_to(s.step);
  j.at("tokens_seen").get_to(s.tokens_seen);
  j.at("skipped_total").get_to(s.skipped_total);
  j.at("skipped_in_a_row").get_to(s.skipped_in_a_row);
  // Absent in checkpoints written before loss scaling existed.
  s.loss_scale = j.value("loss_scale", 0.0);
  s.loss_scale_clean_steps = j.value("loss_scale_clean_steps", int64_t{0});
  s.overflow_skipped = j.value("overflow_skipped", int64_t{0});
  j.at("loader").get_to(s.loader);
}

constexpr const char* kTrainerStateFile = "trainer_state.json";
constexpr const char* kOptimizerFile = "optimizer.pt";
constexpr const char* kLastLink = "checkpoint-last";

std::string checkpoint_name(int64_t step) { return fmt::format("checkpoint-{}", step); }

// checkpoint-N directories of out_dir, oldest first.
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

// Rank 0's part of a save: the checkpoint directory, checkpoint-last, and pruning to keep_last.
void Pretrainer::write_checkpoint(const fs::path& final_dir, int64_t step, const data::LoaderState& mine,
                                  const std::vector<double>& positions) {
  CheckpointWriter writer(final_dir.string());
  writer.save_weights(*model_);
  optimizer_->save(writer.path(kOptimizerFile));
  writer.add_file(kOptimizerFile);
  TrainerState state = state_;
  state.skipped_total = guard_->skipped_total();
  state.skipped_in_a_row = guard_->skipped_in_a_row();
  if (scaler_) {
    state.loss_scale = scaler_->scale();
    state.loss_scale_clean_steps = scaler_->clean_steps();
  }
  state.loader = mine;
  nlohmann::json j = state;
  j["world_size"] = comm_.world_size();
  j["loader_positions"] = nlohmann::json::array();
  for (int r = 0; r < comm_.world_size(); ++r) {
    j["loader_positions"].push_back({static_cast<int64_t>(positions[2 * r]),
                                     static_cast<int64_t>(positions[2 * r + 1])});
  }
  std::ofstream(writer.path(kTrainerStateFile)) << j.dump(2) << "\n";
  writer.add_file(kTrainerStateFile);
  // The tokenizer travels with the weights: a checkpoint is usable on its own.
  const fs::path tok(config_.tokenizer.dir);
  for (const char* name : {"vocab.json", "merges.txt"}) {
    if (!config_.tokenizer.dir.empty() && fs::exists(tok / name)) {
      fs::copy_file(tok / name, writer.path(name), fs::copy_options::overwrite_existing);
      writer.add_file(name);
    }
  }
  writer.commit(step, to_yaml(config_), {{"kind", "pretrain"}});

  // checkpoint-last -> the newest, swapped atomically; then drop the oldest beyond keep_last.
  const fs::path link = fs::path(config_.train.out_dir) / kLastLink;
  const fs::path tmp_link = fs::path(config_.train.out_dir) / (std::string(kLastLink) + ".tmp");
  std::error_code ec;
  fs::remove(tmp_link, ec);
  fs::create_directory_symlink(final_dir.filename(), tmp_link);
  fs::rename(tmp_link, link);
  if (config_.train.keep_last > 0) {
    auto all = list_checkpoints(config_.train.out_dir);
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

std::string Pretrainer::save_checkpoint(int64_t step) {
  const fs::path final_dir = fs::path(config_.train.out_dir) / checkpoint_name(step);
  // Every rank's loader position (they differ: epochs split unevenly), gathered with a sum of
  // one-hot rows. This collective also means every rank finished the update.
  const data::LoaderState mine = train_loader_->state();
  std::vector<double> positions(2 * static_cast<size_t>(comm_.world_size()), 0.0);  // [world, 2]
  positions[2 * comm_.rank()] = double(mine.epoch);
  positions[2 * comm_.rank() + 1] = double(mine.batch);
  comm_.all_reduce_sum_values(positions);
  std::exception_ptr failure;  // rank 0's, when the save failed
  if (comm_.is_main()) {
    try {
      write_checkpoint(final_dir, step, mine, positions);
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
  return final_dir.string();
}

bool Pretrainer::try_resume(bool force_resume) {
  if (!force_resume && config_.train.resume == ResumeMode::never) return false;
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
    if (force_resume) {
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
      reader.load_weights(*model_);
      optimizer_->load(reader.path(kOptimizerFile));
      try {
        j = nlohmann::json::parse(std::ifstream(reader.path(kTrainerStateFile)));
        state_ = j.get<TrainerState>();
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
  const int64_t saved_world = j.value("world_size", int64_t{1});
  data::LoaderState position = state_.loader;
  position.rank = comm_.rank();
  position.world_size = comm_.world_size();
  if (saved_world == comm_.world_size() && j.contains("loader_positions")) {
    position.epoch = j["loader_positions"].at(comm_.rank()).at(0).get<int64_t>();
    position.batch = j["loader_positions"].at(comm_.rank()).at(1).get<int64_t>();
  } else {
    // Another world size splits samples differently: continue from the next epoch boundary.
    position.epoch = state_.loader.epoch + 1;
    position.batch = 0;
    if (comm_.is_main()) {
      fmt::print(stderr, "warning: resumed with {} ranks instead of {}; the loader restarts at epoch {}\n",
                 comm_.world_size(), saved_world, position.epoch);
    }
  }
  train_loader_->restore(position);
  guard_->restore(state_.skipped_total, state_.skipped_in_a_row);
  if (scaler_ && state_.loss_scale > 0) {
    scaler_->restore(state_.loss_scale, state_.loss_scale_clean_steps);
  }
  // No generator state to restore: seed_update_rng makes it a function of the step.
  last_checkpoint_ = dir.string();
  return true;
}

void Pretrainer::build() {
  device_ = resolve_device(config_.train.device, comm_.environment());
  if (comm_.world_size() > 1 && comm_.device() != device_) {
    fail("train.device: this rank trains on {}, but its {} communicator reduces tensors on {}; "
         "make the communicator with the training device (make_communicator)",
         device_.str(), comm_.backend(), comm_.device().str());
  }
  precision_ = resolve_precision(config_.train.precision, device_);
  accum_ = accumulation_steps(config_, comm_.world_size());

  const std::string shards = shard_dir(config_);
  train_set_ = data::Dataset::open((fs::path(shards) / "train").string());
  const auto& special = train_set_->special();
  if (special.vocab_size > config_.model.vocab_size) {
    fail("model.vocab_size: the shards in {} use {} token ids, the model has only {} rows "
         "(set model.vocab_size: {})", shards, special.vocab_size, config_.model.vocab_size,
         special.vocab_size);
  }
  if (special.pad_id != config_.model.pad_id) {
    fail("model.pad_id: the shards in {} pad with id {}, the model with {}", shards,
         special.pad_id, config_.model.pad_id);
  }
  data::LoaderOptions loader = loader_options(config_);
  loader.rank = comm_.rank();
  loader.world_size = comm_.world_size();
  loader.pin_memory = device_.is_cuda();
  train_loader_ = std::make_unique<data::Loader>(train_set_, config_.data.format_options(),
                                                 config_.masking, loader, data::LoaderMode::train);
  const fs::path valid_dir = fs::path(shards) / "valid";
  // Validation is a collective: every rank validates, or none does.
  std::vector<double> have_valid = {fs::exists(valid_dir / data::kManifestName) ? 1.0 : 0.0};
  comm_.all_reduce_sum_values(have_valid);
  if (have_valid[0] > 0 && have_valid[0] < comm_.world_size()) {
    fail("data: {} of {} ranks find {} (this rank {}): every rank must see the same shards",
         have_valid[0], comm_.world_size(), (valid_dir / data::kManifestName).string(),
         fs::exists(valid_dir / data::kManifestName) ? "does" : "does not");
  }
  if (config_.train.eval_every > 0 && have_valid[0] > 0) {
    valid_set_ = data::Dataset::open(valid_dir.string());
    valid_loader_ = std::make_unique<data::Loader>(valid_set_, config_.data.format_options(),
                                                   config_.masking, loader,
                                                   data::LoaderMode::validation);
  }

  torch::manual_seed(config_.train.seed);
  model_ = RobertaForMaskedLM(config_.model);
  model_->to(device_);
  optimizer_ = std::make_unique<Optimizer>(*model_, config_.optim.optimizer_options());
  schedule_ = std::make_unique<LrSchedule>(config_.optim.lr, config_.schedule.total_steps,
                                           config_.schedule.schedule_options());
  sync_ = comm_.make_gradient_sync(optimizer_->parameters());  // also gives every rank rank 0's weights
  guard_ = std::make_unique<NonFiniteGuard>(config_.train.max_nonfinite_in_a_row);
  if (uses_loss_scaling(config_.train.loss_scale, precision_)) {
    LossScalerOptions scaling;
    scaling.init_scale = config_.train.loss_scale_init;
    scaling.growth_interval = config_.train.loss_scale_window;
    scaler_ = std::make_unique<DynamicLossScaler>(scaling);
  }
  if (comm_.is_main()) {
    fs::create_directories(config_.train.out_dir);
    remove_unfinished_checkpoints(config_.train.out_dir);
    std::ofstream(fs::path(config_.train.out_dir) / "config.yaml") << to_yaml(config_);
    metrics_ = std::make_unique<MetricsLogger>(config_.train.out_dir);
    if (config_.train.tensorboard) {
      tensorboard_ = std::make_unique<TensorBoardWriter>(
          (fs::path(config_.train.out_dir) / "tensorboard").string());
    }
  }
}

void Pretrainer::train_step(int64_t step) {
  // The window's micro-batches first: the loss divisor is the global masked-token count.
  std::vector<data::Batch> window;
  window.reserve(accum_);
  int64_t local_masked = 0, local_nsp = 0, local_tokens = 0;
  for (int64_t i = 0; i < accum_; ++i) {
    window.push_back(train_loader_->next());
    local_masked += window.back().num_masked;
    local_tokens += window.back().num_tokens;
    if (window.back().nsp_labels.defined()) local_nsp += window.back().num_sequences;
  }
  // [masked, nsp sequences, stop requests] summed over ranks: one small collective per update.
  std::vector<double> counts = {double(local_masked), double(local_nsp), double(stop_requested() ? 1 : 0)};
  comm_.all_reduce_sum_values(counts);
  const int64_t global_masked = static_cast<int64_t>(counts[0]);
  const int64_t global_nsp = static_cast<int64_t>(counts[1]);
  // Every rank acts on this agreed flag, never on its own stop_requested(): a signal that lands
  // on one rank between here and the end of the update would otherwise send that rank alone
  // into the logging and checkpoint collectives (the launcher forwards to ranks one by one).
  stop_agreed_ = counts[2] > 0;
  if (stop_agreed_) request_stop();

  const bool use_nsp = config_.model.nsp_head && config_.objective.nsp_weight > 0;
  seed_update_rng(config_.train.seed, comm_.rank(), step);
  // Loss sums stay on the device until the update is done: one host sync per update, not per
  // micro-step.
  at::Tensor mlm_total = at::zeros({}, at::TensorOptions().dtype(at::kFloat).device(device_));
  at::Tensor nsp_total = at::zeros({}, at::TensorOptions().dtype(at::kFloat).device(device_));
  model_->train();
  for (int64_t i = 0; i < accum_; ++i) {
    data::Batch& batch = window[i];
    // Pinned host memory on CUDA (LoaderOptions::pin_memory): the copies do not block.
    at::Tensor input_ids = batch.input_ids.to(device_, /*non_blocking=*/true);         // [B,T]
    at::Tensor positions = batch.masked_positions.to(device_, /*non_blocking=*/true);  // [M]
    at::Tensor targets = batch.masked_targets.to(device_, /*non_blocking=*/true);      // [M]
    at::Tensor loss;
    {
      AutocastScope autocast(precision_, device_);
      MaskedLMOutput out = model_->forward_with_nsp(input_ids, positions, batch.padded);
      at::Tensor mlm_sum = mlm_loss_sum(out.mlm_logits, targets);   // fp32 scalar
      mlm_total += mlm_sum.detach();
      loss = scale_loss(mlm_sum, global_masked) * config_.objective.mlm_weight;
      if (use_nsp && batch.nsp_labels.defined() && out.nsp_logits.defined()) {
        at::Tensor nsp_sum = nsp_loss_sum(out.nsp_logits, batch.nsp_labels.to(device_, /*non_blocking=*/true));
        nsp_total += nsp_sum.detach();
        loss = loss + scale_loss(nsp_sum, global_nsp) * config_.objective.nsp_weight;
      }
    }
    if (scaler_) loss = scaler_->scale_loss(loss);
    sync_->backward(loss, /*last=*/i + 1 == accum_);
  }

  // The update's one device-to-host read of losses (the gradient norm is the other).
  const at::Tensor loss_sums = at::stack({mlm_total, nsp_total}).to(at::kDouble).cpu();
  const double step_loss_sum = loss_sums[0].item<double>();
  const double step_nsp_sum = loss_sums[1].item<double>();
  const auto& params = optimizer_->parameters();
  const double lr = schedule_->lr(step);
  // Gradients are all-reduced by now, so every rank reaches the same overflow verdict. An
  // overflow of the scaled gradients with a finite loss is fp16's normal business: back off
  // and skip the update without counting it against train.max_nonfinite_in_a_row.
  if (scaler_ && is_finite(step_loss_sum) && !scaler_->unscale(params)) {
    const double scale = scaler_->scale();
    scaler_->update(/*found_overflow=*/true);
    ++state_.overflow_skipped;
    if (comm_.is_main()) {
      fmt::print(stderr, "step {}: gradients overflow at loss scale {:g}, update skipped, scale "
                 "now {:g}\n", step, scale, scaler_->scale());
    }
    optimizer_->zero_grad();
    finish_step(step, local_masked, local_nsp, local_tokens, step_loss_sum, step_nsp_sum, lr,
                last_grad_norm_);
    return;
  }
  const double norm = grad_norm(params);
  const bool finite = is_finite(norm) && is_finite(step_loss_sum);
  if (scaler_) scaler_->update(/*found_overflow=*/!finite);
  if (guard_->check(finite, step)) {
    clip_grad_norm(params, config_.optim.clip_norm, norm);
    optimizer_->set_lr(lr);
    optimizer_->step();
  } else if (comm_.is_main()) {
    fmt::print(stderr, "warning: step {}: non-finite loss or gradient, update skipped ({} in a row)\n",
               step, guard_->skipped_in_a_row());
  }
  optimizer_->zero_grad();
  finish_step(step, local_masked, local_nsp, local_tokens, step_loss_sum, step_nsp_sum, lr, norm);
}

void Pretrainer::finish_step(int64_t step, int64_t masked, int64_t nsp, int64_t tokens,
                             double loss_sum, double nsp_sum, double lr, double norm) {
  state_.step = step;
  state_.tokens_seen += tokens;
  interval_loss_sum_ += loss_sum;
  interval_nsp_sum_ += nsp_sum;
  interval_masked_ += masked;
  interval_nsp_ += nsp;
  interval_tokens_ += tokens;
  interval_steps_ += 1;
  last_lr_ = lr;
  last_grad_norm_ = norm;
}

void Pretrainer::log_train(int64_t step, double elapsed_s) {
  std::vector<double> sums = {interval_loss_sum_, double(interval_masked_), interval_nsp_sum_,
                              double(interval_nsp_), double(interval_tokens_)};
  comm_.all_reduce_sum_values(sums);
  const double masked = sums[1];
  const double loss = masked > 0 ? sums[0] / masked : 0.0;
  const double tokens_per_s = elapsed_s > 0 ? sums[4] / elapsed_s : 0.0;
  last_train_loss_ = loss;
  if (comm_.is_main()) {
    ProgressFields fields;
    fields.step = step;
    fields.total_steps = config_.train.max_steps;
    fields.loss = loss;
    fields.ppl = perplexity(loss);
    fields.lr = last_lr_;
    fields.grad_norm = last_grad_norm_;
    fields.tokens_per_s = tokens_per_s;
    const double run_s = seconds_since(run_start_);
    const int64_t done = step - run_start_step_;
    fields.eta_seconds = done > 0 ? run_s / done * (config_.train.max_steps - step) : -1;
    fmt::print("{}\n", format_progress_line(fields));
    std::fflush(stdout);
    MetricValues values = {{"loss", loss},
                           {"ppl", perplexity(loss)},
                           {"lr", last_lr_},
                           {"grad_norm", last_grad_norm_},
                           {"tokens_per_s", tokens_per_s},
                           {"tokens_seen", double(state_.tokens_seen * comm_.world_size())},
                           {"skipped", double(guard_->skipped_total())}};
    if (scaler_) {
      values.push_back({"loss_scale", scaler_->scale()});
      values.push_back({"overflow_skipped", double(state_.overflow_skipped)});
    }
    if (sums[3] > 0) values.push_back({"nsp_loss", sums[2] / sums[3]});
    metrics_->log("train", step, values);
    if (tensorboard_) {
      for (const auto& [name, value] : values) tensorboard_->add_scalar("train/" + name, value, step);
      tensorboard_->flush();
    }
  }
  interval_loss_sum_ = interval_nsp_sum_ = 0;
  interval_masked_ = interval_nsp_ = interval_tokens_ = interval_steps_ = 0;
}

double Pretrainer::validate() {
  c10::NoGradGuard no_grad;
  model_->eval();
  valid_loader_->rewind();
  at::Tensor loss_sum = at::zeros({}, at::TensorOptions().dtype(at::kDouble).device(device_));
  double masked = 0;
  data::Batch batch;
  int64_t batches = 0;
  while ((config_.train.eval_batches == 0 || batches < config_.train.eval_batches) &&
         valid_loader_->next(batch)) {
    AutocastScope autocast(precision_, device_);
    at::Tensor logits = model_->forward(batch.input_ids.to(device_, /*non_blocking=*/true),
                                        batch.masked_positions.to(device_, /*non_blocking=*/true), batch.padded);
    loss_sum += mlm_loss_sum(logits, batch.masked_targets.to(device_, /*non_blocking=*/true)).to(at::kDouble);
    masked += double(batch.num_masked);
    ++batches;
  }
  model_->train();
  std::vector<double> sums = {loss_sum.item<double>(), masked};
  comm_.all_reduce_sum_values(sums);
  return sums[1] > 0 ? sums[0] / sums[1] : 0.0;
}

PretrainResult Pretrainer::run(bool force_resume) {
  build();
  const bool resumed = try_resume(force_resume);
  if (comm_.is_main()) {
    const std::string all_reduce =
        comm_.world_size() == 1 ? std::string()
                                : fmt::format(" ({} all-reduce {}, {} MB buckets)", comm_.backend(),
                                              config_.dist.overlap ? "overlapped with backward" : "after backward",
                                              config_.dist.bucket_mb);
    fmt::print("pretrain: {} | {} parameters | device {} {} | world {}{} x micro {} x accum {} | "
               "{} steps{}\n",
               config_.name.empty() ? config_.train.out_dir : config_.name,
               count_parameters(*model_), device_.str(), to_string(precision_), comm_.world_size(), all_reduce,
               config_.batch.micro, accum_, config_.train.max_steps,
               resumed ? fmt::format(" | resumed at step {}", state_.step) : std::string());
    std::fflush(stdout);
  }
  run_start_ = interval_start_ = std::chrono::steady_clock::now();
  run_start_step_ = state_.step;
  PretrainResult result;
  int64_t step = state_.step;
  while (step < config_.train.max_steps) {
    ++step;
    train_step(step);
    const bool last = step == config_.train.max_steps;
    if (step % config_.train.log_every == 0 || last || stop_agreed_) {
      log_train(step, seconds_since(interval_start_));
      interval_start_ = std::chrono::steady_clock::now();
    }
    if (valid_loader_ && (step % config_.train.eval_every == 0 || last)) {
      last_valid_loss_ = validate();
      if (comm_.is_main()) {
        fmt::print("valid | step {} | loss {:.4f} | ppl {:.2f}\n", step, last_valid_loss_,
                   perplexity(last_valid_loss_));
        std::fflush(stdout);
        metrics_->log("valid", step, {{"loss", last_valid_loss_}, {"ppl", perplexity(last_valid_loss_)}});
        if (tensorboard_) {
          tensorboard_->add_scalar("valid/loss", last_valid_loss_, step);
          tensorboard_->add_scalar("valid/ppl", perplexity(last_valid_loss_), step);
          tensorboard_->flush();
        }
      }
    }
    const bool save = last || stop_agreed_ ||
                      (config_.train.save_every > 0 && step % config_.train.save_every == 0);
    if (save) last_checkpoint_ = save_checkpoint(step);
    if (stop_agreed_) {
      result.interrupted = true;
      if (comm_.is_main()) fmt::print("stopped by signal at step {}; checkpoint {}\n", step, last_checkpoint_);
      break;
    }
  }
  result.step = step;
  result.last_train_loss = last_train_loss_;
  result.last_valid_loss = last_valid_loss_;
  result.checkpoint = last_checkpoint_;
  return result;
}

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
  Pretrainer trainer(config, comm);
  return trainer.run(force_resume);
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
