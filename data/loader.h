// The training data loader: turns a dataset and a sample plan into an endless (training) or
// finite (validation) stream of masked batches. Worker threads materialize, mask and collate
// micro-batches ahead of the caller into a bounded queue and hand them out in order.
//
// Determinism: epoch e's samples for rank r depend on (seed, e, r, world_size) only. With one
// rank, or data.rank_split = strided, the order is a permutation seeded by (seed, e) (identity
// without shuffle) and rank r takes the positions p with p % world_size == r. With blocks (the
// default) the epoch shuffles runs of adjacent samples, rank r takes the r-th of world_size
// contiguous parts of that sequence and shuffles it, so it reads ~1/world_size of the token
// blocks. The permutations are Feistel networks (data/random.h), evaluated per position.
// Either way the parts are disjoint and complete and rank counts differ by at most one.
// Batches are cut from the rank's list (fixed sequence count;
// for DOC-SENTENCES and SENTENCE-PAIR a padded-token budget over windows of 64 x micro_batch
// samples sorted by length, the batches then shuffled), and masks are a pure
// function of (seed, epoch, sample number). So a batch depends only on (seed, rank,
// world_size, epoch, batch index), which is the whole saved position. Batches never span
// epochs: an epoch's last batch may be smaller.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "data/batch.h"
#include "data/dataset.h"
#include "data/formats/sample_plan.h"
#include "data/masking.h"
#include "data/options.h"

namespace roberta::data {

enum class LoaderMode {
  train,       // shuffled, endless, masks keyed by epoch
  validation,  // in order, one pass, masks fixed (epoch 0) so every evaluation sees the same
};

// Where the loader stands: the next batch next() returns. Saved in checkpoints as JSON.
struct LoaderState {
  int64_t epoch = 0;
  int64_t batch = 0;       // batch index inside the epoch (for this rank)
  uint64_t seed = 0;       // checked on restore
  int64_t world_size = 1;  // checked on restore
  int64_t rank = 0;        // checked on restore
  RankSplit rank_split = RankSplit::strided;  // checked on restore when world_size > 1 (a state
                                              // saved before the key existed was strided)
};
void to_json(nlohmann::json& j, const LoaderState& state);
void from_json(const nlohmann::json& j, LoaderState& state);

// One rank's sample numbers of one epoch, in order. Fixed-size batches read it one position
// at a time from permutations drawn from (seed, epoch, rank): nothing proportional to the
// dataset is built, so the first batch of a 10 GB corpus comes as fast as a small one's.
// Where batches are cut by length (DOC-SENTENCES, SENTENCE-PAIR) it is a list.
class EpochOrder {
 public:
  EpochOrder() = default;
  explicit EpochOrder(std::vector<uint64_t> list) : list_(std::move(list)), count_(list_.size()), listed_(true) {}
  // Positions p < count map to samples through `at`, a pure function.
  struct Computed {
    uint64_t count = 0;
    std::function<uint64_t(uint64_t)> at;
  };
  explicit EpochOrder(Computed computed) : count_(computed.count), at_(std::move(computed.at)) {}

  size_t size() const { return static_cast<size_t>(count_); }
  uint64_t operator[](size_t i) const { return listed_ ? list_[i] : at_(i); }
  std::vector<uint64_t> to_vector() const;

  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = uint64_t;
    using difference_type = std::ptrdiff_t;
    using pointer = const uint64_t*;
    using reference = uint64_t;
    iterator(const EpochOrder* order, size_t i) : order_(order), i_(i) {}
    uint64_t operator*() const { return (*order_)[i_]; }
    iterator& operator++() { ++i_; return *this; }
    iterator operator++(int) { iterator old = *this; ++i_; return old; }
    bool operator==(const iterator& o) const { return i_ == o.i_; }
    bool operator!=(const iterator& o) const { return i_ != o.i_; }

   private:
    const EpochOrder* order_;
    size_t i_;
  };
  iterator begin() const { return {this, 0}; }
  iterator end() const { return {this, size()}; }
  bool operator==(const EpochOrder& o) const;
  bool operator!=(const EpochOrder& o) const { return !(*this == o); }

 private:
  std::vector<uint64_t> list_;
  uint64_t count_ = 0;
  bool listed_ = false;
  std::function<uint64_t(uint64_t)> at_;
};

// One epoch of one rank: the sample numbers in order and where each batch starts: every
// batch_size positions (fixed-size batches: nothing stored), or as listed in batch_begin
// (batches cut by length).
struct EpochPlan {
  int64_t epoch = 0;
  EpochOrder samples;
  size_t batch_size = 0;            // > 0: fixed-size batches
  std::vector<size_t> batch_begin;  // [batches + 1] when batch_size is 0
  int64_t num_batches() const {
    // (an empty epoch is one empty batch, as a batch_begin of {0, 0} was)
    if (batch_size > 0) return std::max<int64_t>(1, static_cast<int64_t>((samples.size() + batch_size - 1) / batch_size));
    return static_cast<int64_t>(batch_begin.size()) - 1;
  }
  // Positions [batch_start(b), batch_start(b + 1)) of samples make batch b.
  size_t batch_start(int64_t b) const {
    if (batch_size > 0) return std::min(samples.size(), static_cast<size_t>(b) * batch_size);
    return batch_begin[static_cast<size_t>(b)];
  }
};

class Loader {
 public:
  Loader(std::shared_ptr<const Dataset> dataset, FormatOptions format, MaskingOptions masking,
         LoaderOptions options, LoaderMode mode = LoaderMode::train);
  ~Loader();  // stops and joins the workers, even when batches are still queued
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  Batch next();           // throws roberta::Error at the end of a validation pass
  bool next(Batch& out);  // false at the end of a validation pass
  LoaderState state() const;
  void restore(const LoaderState& state);
  void rewind();  // back to epoch 0, batch 0 (a new validation pass)
  int64_t epoch() const { return state().epoch; }

  const SamplePlan& plan() const { return *plan_; }
  const Dataset& dataset() const { return *dataset_; }
  // This rank's samples and batch cuts in the given epoch (what the workers follow).
  EpochPlan epoch_plan(int64_t epoch) const;
  // The batch a given position yields, built on the calling thread (tests, benchmarks).
  Batch build_batch(const EpochPlan& plan, int64_t batch) const;

 private:
  struct Task {
    std::shared_ptr<const EpochPlan> plan;
    int64_t batch;
    uint64_t ticket;
  };
  uint64_t run_samples() const;  // adjacent samples per run (RankSplit::blocks)
  EpochOrder rank_samples(int64_t epoch) const;
  void start(int64_t epoch, int64_t batch);
  void stop();
  void worker();
  bool token_batched() const;

  std::shared_ptr<const Dataset> dataset_;
  std::shared_ptr<const SamplePlan> plan_;
  FormatOptions format_;
  MaskingOptions masking_;
  LoaderOptions options_;
  LoaderMode mode_;

  mutable std::mutex mutex_;
  std::condition_variable work_cv_, ready_cv_;
  std::vector<std::thread> threads_;
  bool stop_ = false;
  bool exhausted_ = false;                        // validation: no more tasks to hand out
  std::shared_ptr<const EpochPlan> producer_plan_;  // the epoch tasks are taken from
  int64_t producer_batch_ = 0;
  uint64_t next_ticket_ = 0;       // next task number to hand out
  uint64_t consumer_ticket_ = 0;   // next task number next() returns
  struct Ready {
    Batch batch;
    int64_t epoch, index, epoch_batches;
  };
  std::map<uint64_t, Ready> ready_;  // finished batches by ticket, handed out in ticket order
  int64_t consumer_epoch_ = 0, consumer_batch_ = 0;
  std::exception_ptr error_;
};

}  // namespace roberta::data
