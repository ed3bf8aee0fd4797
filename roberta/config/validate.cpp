// Checks that involve more than one key (single values are range-checked as they are read).
// Messages name where each key got its value, so a bad combination points at the lines to fix.
#include <fmt/format.h>

#include "roberta/config/registry.h"
#include "util/error.h"

namespace roberta {
namespace config_detail {
namespace {

class Checker {
 public:
  Checker(const Config& config, const Provenance* where) : config_(config), where_(where) {}

  // "file:line" (or "--set ...") where `key` was set; "default" when it never was.
  std::string at(const std::string& key) const {
    if (where_ == nullptr) return "config";
    auto it = where_->find(key);
    return it == where_->end() ? "default" : it->second;
  }
  std::string value(const std::string& key) const { return find_field(key)->get(config_); }

  // `key` holds a value that does not fit `other`.
  template <typename... Args>
  void require(bool ok, const std::string& key, const std::string& expected,
               const std::string& other = "") const {
    if (ok) return;
    std::string context =
        other.empty() ? "" : fmt::format(" ({} = {} at {})", other, value(other), at(other));
    fail("{}: {}: expected {}{}, found {}", at(key), key, expected, context, value(key));
  }

 private:
  const Config& config_;
  const Provenance* where_;
};

bool is_pair_format(data::InputFormat f) {
  return f == data::InputFormat::segment_pair || f == data::InputFormat::sentence_pair;
}

}  // namespace

void validate_config(const Config& c, const Provenance* where) {
  Checker check(c, where);
  // model
  check.require(c.model.hidden % c.model.heads == 0, "model.heads", "a divisor of model.hidden",
                "model.hidden");
  check.require(c.model.pad_id < c.model.vocab_size, "model.pad_id", "an id below model.vocab_size",
                "model.vocab_size");
  check.require(c.model.vocab_size >= c.tokenizer.vocab_size, "model.vocab_size",
                "at least tokenizer.vocab_size", "tokenizer.vocab_size");
  // data
  check.require(c.data.seq_len <= c.model.max_positions, "data.seq_len",
                "at most model.max_positions", "model.max_positions");
  check.require(c.finetune.seq_len <= c.model.max_positions, "finetune.seq_len",
                "at most model.max_positions", "model.max_positions");
  // masking
  check.require(c.masking.mask_prob_mask + c.masking.mask_prob_random <= 1.0 + 1e-12,
                "masking.mask_prob_random", "masking.mask_prob_mask + masking.mask_prob_random <= 1",
                "masking.mask_prob_mask");
  // objective
  check.require(c.objective.nsp_weight == 0 || is_pair_format(c.data.format),
                "objective.nsp_weight",
                "0 unless data.format is segment_pair or sentence_pair (NSP needs pairs)",
                "data.format");
  check.require(c.objective.nsp_weight == 0 || c.model.nsp_head, "objective.nsp_weight",
                "0 unless model.nsp_head is true", "model.nsp_head");
  check.require(c.objective.mlm_weight + c.objective.nsp_weight > 0, "objective.mlm_weight",
                "a positive total loss weight", "objective.nsp_weight");
  // schedule
  // A Config built in code may still hold the "derive me" zeros; check what they stand for.
  const int64_t total_steps = c.schedule.total_steps > 0 ? c.schedule.total_steps : c.train.max_steps;
  const int64_t finetune_micro = c.finetune.micro > 0 ? c.finetune.micro : c.finetune.batch;
  check.require(c.schedule.warmup_steps <= total_steps, "schedule.warmup_steps",
                "at most schedule.total_steps",
                c.schedule.total_steps > 0 ? "schedule.total_steps" : "train.max_steps");
  check.require(c.schedule.end_lr <= c.optim.lr, "schedule.end_lr", "at most optim.lr", "optim.lr");
  // batch
  check.require(c.batch.sequences % c.batch.micro == 0, "batch.sequences",
                "a multiple of batch.micro (accumulation = sequences / (micro x ranks))",
                "batch.micro");
  check.require(c.batch.tokens == 0 || c.data.format == data::InputFormat::doc_sentences,
                "batch.tokens", "0 unless data.format is doc_sentences", "data.format");
  check.require(c.batch.tokens == 0 || c.batch.tokens >= c.data.seq_len, "batch.tokens",
                "0 or at least data.seq_len", "data.seq_len");
  check.require(c.finetune.batch % finetune_micro == 0, "finetune.batch",
                "a multiple of finetune.micro", "finetune.micro");
  // devices
  check.require(!(c.train.device == DeviceKind::cpu && c.train.precision == Precision::fp16),
                "train.precision", "fp32, bf16 or auto on train.device cpu", "train.device");
  check.require(!(c.train.device == DeviceKind::cpu && c.dist.backend == DistBackend::nccl),
                "dist.backend", "gloo or auto on train.device cpu (NCCL needs CUDA)",
                "train.device");
}

}  // namespace config_detail

void validate(const Config& config) { config_detail::validate_config(config, nullptr); }

}  // namespace roberta
