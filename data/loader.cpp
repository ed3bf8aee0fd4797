// Background loader: epoch plans, worker threads, the in-order bounded queue, save/restore.
#include "data/loader.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <numeric>

#include "data/random.h"
#include "util/error.h"

namespace roberta::data {

void to_json(nlohmann::json& j, const LoaderState& s) {
  j = nlohmann::json{{"epoch", s.epoch}, {"batch", s.batch}, {"seed", s.seed},
                     {"world_size", s.world_size}, {"rank", s.rank},
                     {"rank_split", name_of(s.rank_split)}};
}

void from_json(const nlohmann::json& j, LoaderState& s) {
  try {
    s.epoch = j.at("epoch").get<int64_t>();
    s.batch = j.at("batch").get<int64_t>();
    s.seed = j.at("seed").get<uint64_t>();
    s.world_size = j.at("world_size").get<int64_t>();
    s.rank = j.at("rank").get<int64_t>();
    const std::string split = j.value("rank_split", std::string("strided"));
    if (split != name_of(RankSplit::blocks) && split != name_of(RankSplit::strided)) {
      fail("loader state: rank_split: expected blocks or strided, found '{}'", split);
    }
    s.rank_split = split == name_of(RankSplit::blocks) ? RankSplit::blocks : RankSplit::strided;
  } catch (const nlohmann::json::exception& e) {
    fail("loader state: expected keys epoch, batch, seed, world_size, rank: {}", e.what());
  }
}

Loader::Loader(std::shared_ptr<const Dataset> dataset, FormatOptions format, MaskingOptions masking,
               LoaderOptions options, LoaderMode mode)
    : dataset_(std::move(dataset)), format_(format), masking_(masking), options_(options), mode_(mode) {
  validate(masking_);
  if (options_.micro_batch < 1) fail("batch.micro: expected >= 1, found {}", options_.micro_batch);
  if (options_.world_size < 1 || options_.rank < 0 || options_.rank >= options_.world_size) {
    fail("loader: expected 0 <= rank < world_size, found rank {} of {}", options_.rank, options_.world_size);
  }
  if (options_.micro_tokens == 0) options_.micro_tokens = options_.micro_batch * format_.seq_len;
  if (options_.micro_tokens < format_.seq_len) {
    fail("batch.micro_tokens: expected >= seq_len ({}), found {}", format_.seq_len, options_.micro_tokens);
  }
  options_.workers = std::max<int64_t>(options_.workers, 1);
  options_.prefetch = std::max<int64_t>(options_.prefetch, 1);
  plan_ = std::make_shared<SamplePlan>(make_plan(*dataset_, format_, options_.seed));
  if (plan_->samples.size() < static_cast<size_t>(options_.world_size)) {
    fail("loader: {} samples cannot be split between {} ranks", plan_->samples.size(), options_.world_size);
  }
  start(0, 0);
}

Loader::~Loader() { stop(); }

bool Loader::token_batched() const {
  return format_.format == InputFormat::doc_sentences || format_.format == InputFormat::sentence_pair;
}

uint64_t Loader::run_samples() const {
  // Samples are numbered in corpus order, so a run of adjacent samples covers adjacent tokens.
  // Runs of 256 blocks (16 MiB of uint16 tokens with the default 64 KiB blocks) make the blocks
  // a rank shares with its neighbours' runs (at most one at each end) a small part of what it
  // reads, and leave thousands of runs to shuffle in a corpus of tens of GB.
  constexpr uint64_t kRunBlocks = 256;
  const uint64_t mean_length = std::max<uint64_t>(1, dataset_->num_tokens() / plan_->samples.size());
  return std::max<uint64_t>(1, kRunBlocks * dataset_->block_tokens() / mean_length);
}

std::vector<uint64_t> EpochOrder::to_vector() const {
  if (listed_) return list_;
  std::vector<uint64_t> out(size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = at_(i);
  return out;
}

bool EpochOrder::operator==(const EpochOrder& o) const {
  if (size() != o.size()) return false;
  for (size_t i = 0; i < size(); ++i) {
    if ((*this)[i] != o[i]) return false;
  }
  return true;
}

EpochOrder Loader::rank_samples(int64_t epoch) const {
  const uint64_t n = plan_->samples.size();
  const auto world = static_cast<uint64_t>(options_.world_size);
  const auto rank = static_cast<uint64_t>(options_.rank);
  const bool shuffle = options_.shuffle && mode_ == LoaderMode::train;
  if (world == 1 || options_.rank_split == RankSplit::strided) {
    // Position p of the epoch's permutation goes to rank p % world.
    const uint64_t count = n / world + (rank < n % world ? 1 : 0);
    if (!shuffle) return EpochOrder({count, [=](uint64_t i) { return i * world + rank; }});
    const Permutation order(n, hash_keys({options_.seed, 0x5bf1, static_cast<uint64_t>(epoch)}));
    return EpochOrder({count, [=](uint64_t i) { return order(i * world + rank); }});
  }
  // Blocks: shuffle the order of the runs, rotate the sequence by a random offset (so that with
  // fewer runs than ranks the parts still change every epoch), give rank r the r-th contiguous
  // part of it and shuffle inside that part. Memory: two numbers per run (16 MiB of tokens).
  const uint64_t part_begin = rank * n / world, part_size = (rank + 1) * n / world - part_begin;
  if (!shuffle) return EpochOrder({part_size, [=](uint64_t i) { return part_begin + i; }});
  const uint64_t run = run_samples();
  const uint64_t runs = (n + run - 1) / run;
  auto run_length = [&](uint64_t r) { return std::min(n, (r + 1) * run) - r * run; };
  auto run_order = std::make_shared<std::vector<uint64_t>>(runs);
  std::iota(run_order->begin(), run_order->end(), 0);
  Rng rng(hash_keys({options_.seed, 0x2b10c, static_cast<uint64_t>(epoch)}));
  for (uint64_t i = runs; i > 1; --i) std::swap((*run_order)[i - 1], (*run_order)[rng.below(i)]);
  const uint64_t rotation = rng.below(n);
  // Where each run of run_order starts in the shuffled sequence.
  auto run_start = std::make_shared<std::vector<uint64_t>>(runs + 1, 0);
  for (uint64_t i = 0; i < runs; ++i) (*run_start)[i + 1] = (*run_start)[i] + run_length((*run_order)[i]);
  // The part is positions [rotation + part_begin, ... + part_size) of the sequence, cyclically.
  const Permutation inside(part_size, hash_keys({options_.seed, 0x5bf1, static_cast<uint64_t>(epoch), rank}));
  const uint64_t first = rotation + part_begin;
  return EpochOrder({part_size, [=](uint64_t i) {
                       const uint64_t position = (first + inside(i)) % n;
                       const auto k = static_cast<size_t>(
                           std::upper_bound(run_start->begin(), run_start->end(), position) - run_start->begin() - 1);
                       return (*run_order)[k] * run + (position - (*run_start)[k]);
                     }});
}

EpochPlan Loader::epoch_plan(int64_t epoch) const {
  EpochPlan plan;
  plan.epoch = epoch;
  plan.samples = rank_samples(epoch);

  plan.batch_begin.push_back(0);
  if (token_batched()) {
    std::vector<uint64_t> samples = plan.samples.to_vector();
    // Variable lengths: sort windows of samples by length so batches pad little, cut them
    // while the padded size (sequences x longest) stays within the budget, then shuffle the
    // order of the batches (fairseq's batch_by_size, made deterministic).
    const size_t window = static_cast<size_t>(std::max<int64_t>(64 * options_.micro_batch, 1));
    auto length_of = [&](uint64_t sample) { return plan_->samples[sample].length; };
    for (size_t w = 0; w < samples.size(); w += window) {
      auto end = samples.begin() + static_cast<std::ptrdiff_t>(std::min(samples.size(), w + window));
      std::stable_sort(samples.begin() + static_cast<std::ptrdiff_t>(w), end,
                       [&](uint64_t a, uint64_t b) { return length_of(a) < length_of(b); });
    }
    uint64_t count = 0, longest = 0;
    for (size_t i = 0; i < samples.size(); ++i) {
      const uint64_t length = length_of(samples[i]);
      const uint64_t grown = std::max(longest, length);
      if (count > 0 && (count + 1) * grown > static_cast<uint64_t>(options_.micro_tokens)) {
        plan.batch_begin.push_back(i);
        count = 0;
        longest = 0;
      }
      ++count;
      longest = std::max(longest, length);
    }
    plan.batch_begin.push_back(samples.size());
    if (options_.shuffle && mode_ == LoaderMode::train) {
      const size_t batches = plan.batch_begin.size() - 1;
      std::vector<size_t> order(batches);
      std::iota(order.begin(), order.end(), 0);
      Rng rng(hash_keys({options_.seed, 0xba7c, static_cast<uint64_t>(epoch)}));
      for (size_t i = batches; i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
      std::vector<uint64_t> shuffled;
      std::vector<size_t> begin{0};
      shuffled.reserve(samples.size());
      for (size_t b : order) {
        shuffled.insert(shuffled.end(), samples.begin() + static_cast<std::ptrdiff_t>(plan.batch_begin[b]),
                        samples.begin() + static_cast<std::ptrdiff_t>(plan.batch_begin[b + 1]));
        begin.push_back(shuffled.size());
      }
      samples = std::move(shuffled);
      plan.batch_begin = std::move(begin);
    }
    plan.samples = EpochOrder(std::move(samples));
    return plan;
  }
  plan.batch_begin.clear();
  plan.batch_size = static_cast<size_t>(options_.micro_batch);
  return plan;
}

Batch Loader::build_batch(const EpochPlan& plan, int64_t batch) const {
  const int64_t mask_epoch = mode_ == LoaderMode::train ? plan.epoch : 0;
  std::vector<MaskedSequence> sequences;
  std::vector<int32_t> nsp;
  std::vector<int32_t> tokens;
  const size_t begin = plan.batch_start(batch);
  const size_t end = plan.batch_start(batch + 1);
  sequences.resize(end - begin);
  if (plan_->packed()) {  // start every sample's reads at once (a cold start, a cold epoch)
    for (size_t i = begin; i < end; ++i) plan_->samples.will_need(plan.samples[i]);
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    ranges.reserve(end - begin);
    for (size_t i = begin; i < end; ++i) {
      const Sample& s = plan_->samples[plan.samples[i]];
      ranges.emplace_back(s.a_begin, s.a_end);
    }
    dataset_->prepare(ranges);
  }
  for (size_t i = begin; i < end; ++i) {
    const uint64_t sample = plan.samples[i];
    materialize(*dataset_, *plan_, sample, tokens);
    mask_tokens(tokens, masking_, dataset_->special(), options_.seed, mask_epoch, sample, sequences[i - begin]);
    if (plan_->has_nsp()) nsp.push_back(plan_->samples[sample].nsp);
  }
  Batch out = collate(sequences, nsp, dataset_->special().pad_id);
  out.epoch = plan.epoch;
  return options_.pin_memory ? pin_memory(std::move(out)) : out;
}

void Loader::start(int64_t epoch, int64_t batch) {
  std::lock_guard<std::mutex> lock(mutex_);
  stop_ = false;
  error_ = nullptr;
  ready_.clear();
  next_ticket_ = consumer_ticket_ = 0;
  consumer_epoch_ = epoch;
  consumer_batch_ = batch;
  exhausted_ = mode_ == LoaderMode::validation && epoch > 0;
  producer_plan_ = std::make_shared<EpochPlan>(epoch_plan(epoch));
  producer_batch_ = batch;
  if (batch > producer_plan_->num_batches()) {
    fail("loader state: batch {} is past the end of epoch {} ({} batches)", batch, epoch,
         producer_plan_->num_batches());
  }
  for (int64_t i = 0; i < options_.workers; ++i) threads_.emplace_back([this] { worker(); });
}

void Loader::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  work_cv_.notify_all();
  ready_cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void Loader::worker() {
  for (;;) {
    Task task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_cv_.wait(lock, [&] {
        return stop_ || (!exhausted_ && next_ticket_ - consumer_ticket_ < static_cast<uint64_t>(options_.prefetch));
      });
      if (stop_) return;
      try {
        // Step to the next epoch when this one is used up (validation: stop after one).
        while (producer_batch_ >= producer_plan_->num_batches()) {
          if (mode_ == LoaderMode::validation) {
            exhausted_ = true;
            break;
          }
          producer_plan_ = std::make_shared<EpochPlan>(epoch_plan(producer_plan_->epoch + 1));
          producer_batch_ = 0;
        }
      } catch (...) {
        error_ = std::current_exception();
        ready_cv_.notify_all();
        return;
      }
      if (exhausted_) {
        ready_cv_.notify_all();
        continue;
      }
      task = {producer_plan_, producer_batch_++, next_ticket_++};
    }
    Ready ready{};
    std::exception_ptr error;
    try {
      ready.batch = build_batch(*task.plan, task.batch);
      ready.epoch = task.plan->epoch;
      ready.index = task.batch;
      ready.epoch_batches = task.plan->num_batches();
    } catch (...) {
      error = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (error) {
        error_ = error;
      } else {
        ready_.emplace(task.ticket, std::move(ready));
      }
    }
    ready_cv_.notify_all();
  }
}

bool Loader::next(Batch& out) {
  std::unique_lock<std::mutex> lock(mutex_);
  ready_cv_.wait(lock, [&] {
    return error_ || ready_.count(consumer_ticket_) || (exhausted_ && consumer_ticket_ == next_ticket_);
  });
  if (error_) std::rethrow_exception(error_);
  auto it = ready_.find(consumer_ticket_);
  if (it == ready_.end()) return false;  // validation pass finished
  Ready ready = std::move(it->second);
  ready_.erase(it);
  ++consumer_ticket_;
  consumer_epoch_ = ready.epoch;
  consumer_batch_ = ready.index + 1;
  if (consumer_batch_ >= ready.epoch_batches) {
    ++consumer_epoch_;
    consumer_batch_ = 0;
  }
  lock.unlock();
  work_cv_.notify_all();
  out = std::move(ready.batch);
  return true;
}

Batch Loader::next() {
  Batch batch;
  if (!next(batch)) fail("loader: the validation pass is over (rewind() starts another)");
  return batch;
}

LoaderState Loader::state() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {consumer_epoch_, consumer_batch_, options_.seed, options_.world_size, options_.rank, options_.rank_split};
}

void Loader::restore(const LoaderState& state) {
  if (state.seed != options_.seed || state.world_size != options_.world_size || state.rank != options_.rank) {
    fail("loader state: expected seed {}, world_size {}, rank {}; found seed {}, world_size {}, rank {}",
         options_.seed, options_.world_size, options_.rank, state.seed, state.world_size, state.rank);
  }
  if (options_.world_size > 1 && state.rank_split != options_.rank_split) {
    fail("loader state: saved with data.rank_split {}, this loader splits by {}: its positions mean other samples",
         name_of(state.rank_split), name_of(options_.rank_split));
  }
  stop();
  start(state.epoch, state.batch);
}

}  // namespace roberta::data

namespace roberta::data {
void Loader::rewind() { restore({0, 0, options_.seed, options_.world_size, options_.rank, options_.rank_split}); }
}  // namespace roberta::data
