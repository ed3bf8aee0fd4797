// Every config key, declared once: name, type and range, help text, and the struct member it
// fills. The default is whatever the struct member is initialised to, so the structs' headers
// and this table cannot disagree about defaults.
#include "roberta/config/registry.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <utility>

namespace roberta::config_detail {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// An interval of allowed values, printed as "in [0, 1)", ">= 1", "> 0".
struct Range {
  double lo = -kInf, hi = kInf;
  bool lo_open = false, hi_open = false;

  bool contains(double v) const {
    if (lo_open ? !(v > lo) : !(v >= lo)) return false;
    if (hi_open ? !(v < hi) : !(v <= hi)) return false;
    return true;
  }
  std::string describe(const std::string& type) const {
    auto num = [](double v) { return fmt::format("{}", v); };
    if (std::isinf(lo) && std::isinf(hi)) return type;
    if (std::isinf(hi)) return fmt::format("{} {} {}", type, lo_open ? ">" : ">=", num(lo));
    if (std::isinf(lo)) return fmt::format("{} {} {}", type, hi_open ? "<" : "<=", num(hi));
    return fmt::format("{} in {}{}, {}{}", type, lo_open ? "(" : "[", num(lo), num(hi),
                       hi_open ? ")" : "]");
  }
};

Range at_least(double lo) { return Range{lo, kInf, false, false}; }
Range above(double lo) { return Range{lo, kInf, true, false}; }
const Range kProbability{0.0, 1.0, false, false};
const Range kDropout{0.0, 1.0, false, true};

std::string describe_type(const RawValue& raw) {
  switch (raw.kind) {
    case RawValue::Kind::null: return "nothing (null)";
    case RawValue::Kind::map: return fmt::format("a map {}", raw.found);
    case RawValue::Kind::sequence: return fmt::format("a list {}", raw.found);
    case RawValue::Kind::scalar: break;
  }
  return raw.quoted ? fmt::format("the string {}", raw.found) : raw.found;
}

bool parse_double_text(const std::string& text, double& out) {
  if (text.empty()) return false;
  std::string clean;
  for (char ch : text) if (ch != '_') clean += ch;
  const char* begin = clean.c_str();
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(begin, &end);
  if (end != begin + clean.size() || errno == ERANGE || !std::isfinite(v)) return false;
  // strtod also takes hex floats and "infinity"; YAML numbers are decimal.
  for (char ch : clean) {
    if (!(std::isdigit(static_cast<unsigned char>(ch)) || ch == '.' || ch == 'e' || ch == 'E' ||
          ch == '+' || ch == '-')) {
      return false;
    }
  }
  out = v;
  return true;
}

// Integers accept "8192", "500_000" and integral floats such as "5e5".
bool parse_int_text(const std::string& text, int64_t& out) {
  double v;
  if (!parse_double_text(text, v)) return false;
  if (v != std::floor(v) || std::fabs(v) > 9007199254740992.0) return false;  // 2^53
  out = static_cast<int64_t>(v);
  return true;
}

bool parse_bool_text(const std::string& text, bool& out) {
  static const std::map<std::string, bool> words = {
      {"true", true},   {"True", true},   {"TRUE", true},   {"yes", true}, {"Yes", true},
      {"on", true},     {"On", true},     {"false", false}, {"False", false},
      {"FALSE", false}, {"no", false},    {"No", false},    {"off", false}, {"Off", false}};
  auto it = words.find(text);
  if (it == words.end()) return false;
  out = it->second;
  return true;
}

template <typename T>
Field integer(std::string key, std::function<T&(Config&)> at, Range range, std::string help) {
  std::string expected = range.describe("integer");
  Field f{std::move(key), expected, std::move(help), nullptr, nullptr};
  f.set = [at, range, expected](Config& c, const RawValue& raw) {
    int64_t v = 0;
    if (raw.kind != RawValue::Kind::scalar || raw.quoted || !parse_int_text(raw.text, v)) {
      throw ValueError{expected, describe_type(raw)};
    }
    if (!range.contains(static_cast<double>(v))) throw ValueError{expected, raw.found};
    at(c) = static_cast<T>(v);
  };
  f.get = [at](const Config& c) { return fmt::format("{}", at(const_cast<Config&>(c))); };
  return f;
}

Field number(std::string key, std::function<double&(Config&)> at, Range range, std::string help) {
  std::string expected = range.describe("number");
  Field f{std::move(key), expected, std::move(help), nullptr, nullptr};
  f.set = [at, range, expected](Config& c, const RawValue& raw) {
    double v = 0;
    if (raw.kind != RawValue::Kind::scalar || raw.quoted || !parse_double_text(raw.text, v)) {
      throw ValueError{expected, describe_type(raw)};
    }
    if (!range.contains(v)) throw ValueError{expected, raw.found};
    at(c) = v;
  };
  f.get = [at](const Config& c) { return yaml_number(at(const_cast<Config&>(c))); };
  return f;
}

Field boolean(std::string key, std::function<bool&(Config&)> at, std::string help) {
  std::string expected = "true or false";
  Field f{std::move(key), expected, std::move(help), nullptr, nullptr};
  f.set = [at, expected](Config& c, const RawValue& raw) {
    bool v = false;
    if (raw.kind != RawValue::Kind::scalar || raw.quoted || !parse_bool_text(raw.text, v)) {
      throw ValueError{expected, describe_type(raw)};
    }
    at(c) = v;
  };
  f.get = [at](const Config& c) { return at(const_cast<Config&>(c)) ? "true" : "false"; };
  return f;
}

// Any scalar is a string; an empty value (null) is the empty string.
Field string(std::string key, std::function<std::string&(Config&)> at, std::string help) {
  std::string expected = "a string";
  Field f{std::move(key), expected, std::move(help), nullptr, nullptr};
  f.set = [at, expected](Config& c, const RawValue& raw) {
    if (raw.kind == RawValue::Kind::null) {
      at(c).clear();
      return;
    }
    if (raw.kind != RawValue::Kind::scalar) throw ValueError{expected, describe_type(raw)};
    at(c) = raw.text;
  };
  f.get = [at](const Config& c) { return yaml_string(at(const_cast<Config&>(c))); };
  return f;
}

// A list of strings; a single scalar is a one-item list, null the empty list.
Field string_list(std::string key, std::function<std::vector<std::string>&(Config&)> at,
                  std::string help) {
  std::string expected = "a list of strings";
  Field f{std::move(key), expected, std::move(help), nullptr, nullptr};
  f.set = [at, expected](Config& c, const RawValue& raw) {
    switch (raw.kind) {
      case RawValue::Kind::null: at(c).clear(); return;
      case RawValue::Kind::scalar: at(c) = {raw.text}; return;
      case RawValue::Kind::sequence: at(c) = raw.items; return;
      case RawValue::Kind::map: break;
    }
    throw ValueError{expected, describe_type(raw)};
  };
  f.get = [at](const Config& c) {
    std::string out = "[";
    for (const auto& s : at(const_cast<Config&>(c))) {
      if (out.size() > 1) out += ", ";
      out += yaml_string(s);
    }
    return out + "]";
  };
  return f;
}

// Two numbers in [0, 1) written as a YAML list: Adam's betas.
Field betas(std::string key, std::function<double&(Config&)> first,
            std::function<double&(Config&)> second, std::string help) {
  std::string expected = "a list of two numbers in [0, 1), e.g. [0.9, 0.98]";
  Field f{std::move(key), expected, std::move(help), nullptr, nullptr};
  f.set = [first, second, expected](Config& c, const RawValue& raw) {
    double a = 0, b = 0;
    bool ok = raw.kind == RawValue::Kind::sequence && raw.items.size() == 2 &&
              !raw.items_quoted[0] && !raw.items_quoted[1] && parse_double_text(raw.items[0], a) &&
              parse_double_text(raw.items[1], b);
    if (!ok) throw ValueError{expected, describe_type(raw)};
    if (!kDropout.contains(a) || !kDropout.contains(b)) throw ValueError{expected, raw.found};
    first(c) = a;
    second(c) = b;
  };
  f.get = [first, second](const Config& c) {
    auto& m = const_cast<Config&>(c);
    return fmt::format("[{}, {}]", yaml_number(first(m)), yaml_number(second(m)));
  };
  return f;
}

template <typename E>
Field choice(std::string key, std::function<E&(Config&)> at,
             std::vector<std::pair<std::string, E>> names, std::string help) {
  std::string list;
  for (const auto& [name, value] : names) list += (list.empty() ? "" : "|") + name;
  std::string expected = "one of " + list;
  Field f{std::move(key), expected, std::move(help), nullptr, nullptr};
  f.set = [at, names, expected](Config& c, const RawValue& raw) {
    if (raw.kind == RawValue::Kind::scalar) {
      for (const auto& [name, value] : names) {
        if (name == raw.text) {
          at(c) = value;
          return;
        }
      }
    }
    throw ValueError{expected, describe_type(raw)};
  };
  f.get = [at, names](const Config& c) {
    E v = at(const_cast<Config&>(c));
    for (const auto& [name, value] : names) {
      if (value == v) return name;
    }
    return std::string("?");
  };
  return f;
}

// `[](Config& c) -> auto& { return c.model.layers; }` for a member path.
#define AT(path) [](Config& c) -> auto& { return c.path; }

const std::vector<std::pair<std::string, data::InputFormat>> kFormats = {
    {"full_sentences", data::InputFormat::full_sentences},
    {"doc_sentences", data::InputFormat::doc_sentences},
    {"segment_pair", data::InputFormat::segment_pair},
    {"sentence_pair", data::InputFormat::sentence_pair}};
const std::vector<std::pair<std::string, data::RankSplit>> kRankSplits = {
    {"blocks", data::RankSplit::blocks}, {"strided", data::RankSplit::strided}};
const std::vector<std::pair<std::string, ScheduleKind>> kSchedules = {
    {"linear", ScheduleKind::linear},
    {"polynomial", ScheduleKind::polynomial},
    {"cosine", ScheduleKind::cosine},
    {"constant", ScheduleKind::constant}};
const std::vector<std::pair<std::string, ResumeMode>> kResume = {
    {"auto", ResumeMode::automatic}, {"never", ResumeMode::never}};
const std::vector<std::pair<std::string, DeviceKind>> kDevices = {
    {"auto", DeviceKind::automatic}, {"cpu", DeviceKind::cpu}, {"cuda", DeviceKind::cuda}};
const std::vector<std::pair<std::string, LossScaleMode>> kLossScales = {
    {"auto", LossScaleMode::automatic},
    {"dynamic", LossScaleMode::dynamic},
    {"off", LossScaleMode::off}};
const std::vector<std::pair<std::string, Precision>> kPrecisions = {
    {"auto", Precision::automatic},
    {"fp32", Precision::fp32},
    {"bf16", Precision::bf16},
    {"fp16", Precision::fp16}};
const std::vector<std::pair<std::string, DistBackend>> kBackends = {
    {"auto", DistBackend::automatic}, {"gloo", DistBackend::gloo}, {"nccl", DistBackend::nccl}};

std::vector<Field> make_fields() {
  std::vector<Field> f;
  // top level
  f.push_back(string("preset", AT(preset),
                     "preset applied under this file: tiny | roberta-base | roberta-large, or a "
                     "path to a YAML file"));
  f.push_back(string("name", AT(name), "a label for the run (logs, TensorBoard)"));

  // model: roberta::ModelOptions
  f.push_back(integer<int64_t>("model.layers", AT(model.layers), at_least(1),
                               "transformer layers, e.g. 12 (base), 24 (large)"));
  f.push_back(integer<int64_t>("model.hidden", AT(model.hidden), at_least(1),
                               "model width, e.g. 768 (base), 1024 (large)"));
  f.push_back(integer<int64_t>("model.heads", AT(model.heads), at_least(1),
                               "attention heads; must divide model.hidden"));
  f.push_back(integer<int64_t>("model.ffn", AT(model.ffn), at_least(1),
                               "feed-forward inner width, usually 4 x hidden"));
  f.push_back(integer<int64_t>("model.vocab_size", AT(model.vocab_size), at_least(1),
                               "rows of the word-embedding table (50265 for RoBERTa's BPE)"));
  f.push_back(integer<int64_t>("model.max_positions", AT(model.max_positions), at_least(1),
                               "longest input in tokens; the position table has 2 more rows"));
  f.push_back(integer<int64_t>("model.type_vocab_size", AT(model.type_vocab_size), at_least(1),
                               "token-type rows; RoBERTa uses 1"));
  f.push_back(integer<int64_t>("model.pad_id", AT(model.pad_id), at_least(0),
                               "padding id, also the position-id offset"));
  f.push_back(number("model.dropout", AT(model.dropout), kDropout, "hidden dropout"));
  f.push_back(number("model.attention_dropout", AT(model.attention_dropout), kDropout,
                     "dropout on attention probabilities"));
  f.push_back(number("model.layer_norm_eps", AT(model.layer_norm_eps), above(0),
                     "LayerNorm epsilon"));
  f.push_back(number("model.init_std", AT(model.init_std), above(0),
                     "standard deviation of the N(0, std) weight init"));
  f.push_back(boolean("model.nsp_head", AT(model.nsp_head),
                      "next-sentence-prediction head on <s> (pair formats with objective.nsp_weight)"));

  // tokenizer
  f.push_back(string("tokenizer.dir", AT(tokenizer.dir),
                     "directory of vocab.json + merges.txt (written there when trained)"));
  f.push_back(integer<int64_t>("tokenizer.vocab_size", AT(tokenizer.vocab_size), at_least(261),
                               "vocabulary size when training: 256 bytes + 5 specials + merges"));
  f.push_back(integer<int64_t>("tokenizer.min_frequency", AT(tokenizer.min_frequency),
                               at_least(1), "pairs seen fewer times are never merged"));
  f.push_back(string_list("tokenizer.inputs", AT(tokenizer.inputs),
                          "text files to train on; empty = data.train"));
  f.push_back(integer<int64_t>("tokenizer.max_input_mb", AT(tokenizer.max_input_mb), at_least(0),
                               "train on at most this many MB of text; 0 = all"));

  // data: FormatOptions + corpus and loader
  f.push_back(string("data.train", AT(data.train),
                     "training text: one sentence per line, a blank line between documents"));
  f.push_back(string("data.valid", AT(data.valid),
                     "held-out text in the same layout; empty = no validation"));
  f.push_back(string("data.shard_dir", AT(data.shard_dir),
                     "binary token shards; empty = <train.out_dir>/shards"));
  f.push_back(choice<data::InputFormat>("data.format", AT(data.format), kFormats,
                                        "input format (RoBERTa Table 2)"));
  f.push_back(integer<int64_t>("data.seq_len", AT(data.seq_len), at_least(8),
                               "tokens per sequence including <s> and </s>; <= model.max_positions"));
  f.push_back(number("data.nsp_random_prob", AT(data.nsp_random_prob), kProbability,
                     "pair formats: probability that B comes from another document"));
  f.push_back(integer<int64_t>("data.preprocess_workers", AT(data.preprocess_workers),
                               at_least(0), "threads tokenizing the corpus; 0 = all cores"));
  f.push_back(integer<int64_t>("data.workers", AT(data.workers), at_least(1),
                               "loader threads masking and collating batches"));
  f.push_back(integer<int64_t>("data.prefetch", AT(data.prefetch), at_least(1),
                               "micro-batches queued ahead of the trainer"));
  f.push_back(boolean("data.shuffle", AT(data.shuffle), "reshuffle the samples every epoch"));
  f.push_back(choice<data::RankSplit>(
      "data.rank_split", AT(data.rank_split), kRankSplits,
      "how ranks divide an epoch: blocks = runs of adjacent samples, each rank reads ~1/world of "
      "the shards; strided = every world-th sample, the global batches of a 1-rank run"));

  // masking: data::MaskingOptions
  f.push_back(boolean("masking.dynamic", AT(masking.dynamic),
                      "a fresh mask every time a sequence is drawn; false = static masking"));
  f.push_back(integer<int64_t>("masking.copies", AT(masking.copies), at_least(1),
                               "static masking: fixed masks in rotation (BERT: 10)"));
  f.push_back(number("masking.mask_prob", AT(masking.mask_prob), kProbability,
                     "fraction of tokens selected for prediction"));
  f.push_back(number("masking.mask_prob_mask", AT(masking.mask_prob_mask), kProbability,
                     "of the selected, fraction replaced by <mask>"));
  f.push_back(number("masking.mask_prob_random", AT(masking.mask_prob_random), kProbability,
                     "of the selected, fraction replaced by a random token (the rest unchanged)"));

  // objective
  f.push_back(number("objective.mlm_weight", AT(objective.mlm_weight), at_least(0),
                     "weight of the masked-LM loss"));
  f.push_back(number("objective.nsp_weight", AT(objective.nsp_weight), at_least(0),
                     "weight of the next-sentence loss; > 0 needs a pair format and model.nsp_head"));

  // optim: OptimizerOptions
  f.push_back(number("optim.lr", AT(optim.lr), above(0), "peak learning rate"));
  f.push_back(betas("optim.betas", AT(optim.betas[0]), AT(optim.betas[1]),
                    "Adam betas (0.98 for large batches)"));
  f.push_back(number("optim.eps", AT(optim.eps), above(0), "Adam epsilon"));
  f.push_back(number("optim.weight_decay", AT(optim.weight_decay), at_least(0),
                     "decoupled weight decay (AdamW)"));
  f.push_back(string_list("optim.no_decay", AT(optim.no_decay),
                          "parameters without weight decay: \"1d\" = every 1-D tensor (biases, "
                          "LayerNorm weights); other entries match names containing them"));
  f.push_back(number("optim.clip_norm", AT(optim.clip_norm), at_least(0),
                     "max global gradient norm; 0 = no clipping"));

  // schedule: ScheduleOptions + total_steps
  f.push_back(choice<ScheduleKind>("schedule.kind", AT(schedule.kind), kSchedules,
                                   "LR shape after warmup"));
  f.push_back(integer<int64_t>("schedule.warmup_steps", AT(schedule.warmup_steps), at_least(0),
                               "steps of linear warmup from 0 to optim.lr"));
  f.push_back(number("schedule.power", AT(schedule.power), above(0),
                     "exponent of the polynomial decay (1 = linear)"));
  f.push_back(number("schedule.end_lr", AT(schedule.end_lr), at_least(0),
                     "LR reached at schedule.total_steps"));
  f.push_back(integer<int64_t>("schedule.total_steps", AT(schedule.total_steps), at_least(0),
                               "step where the decay ends; 0 = train.max_steps"));

  // batch
  f.push_back(integer<int64_t>("batch.sequences", AT(batch.sequences), at_least(1),
                               "global batch in sequences (all ranks, all accumulation steps)"));
  f.push_back(integer<int64_t>("batch.tokens", AT(batch.tokens), at_least(0),
                               "global batch in tokens (doc_sentences); 0 = sequences x seq_len"));
  f.push_back(integer<int64_t>("batch.micro", AT(batch.micro), at_least(1),
                               "sequences per forward/backward on one rank"));
  f.push_back(integer<int64_t>("batch.micro_tokens", AT(batch.micro_tokens), at_least(0),
                               "token-batched formats (doc_sentences, sentence_pair): padded "
                               "B x T budget of a micro-batch; 0 = micro x seq_len"));

  // train
  f.push_back(integer<int64_t>("train.max_steps", AT(train.max_steps), at_least(1),
                               "optimizer updates"));
  f.push_back(string("train.out_dir", AT(train.out_dir),
                     "run directory: checkpoints, metrics, resolved config"));
  f.push_back(integer<uint64_t>("train.seed", AT(train.seed), at_least(0),
                                "seed of init, masking and shuffling"));
  f.push_back(integer<int64_t>("train.log_every", AT(train.log_every), at_least(1),
                               "steps between progress lines and metric records"));
  f.push_back(integer<int64_t>("train.eval_every", AT(train.eval_every), at_least(0),
                               "steps between validations; 0 = never"));
  f.push_back(integer<int64_t>("train.eval_batches", AT(train.eval_batches), at_least(0),
                               "micro-batches per validation; 0 = the whole split"));
  f.push_back(integer<uint64_t>("train.eval_seed", AT(train.eval_seed), at_least(0),
                                "seed of the validation masks, apart from train.seed: runs of "
                                "any seed are scored on the same masked tokens"));
  f.push_back(boolean("train.yardstick", AT(train.yardstick),
                      "each validation also scores the common yardstick: the valid split as "
                      "full_sentences sequences of data.seq_len, masks of train.eval_seed "
                      "(compares input formats on the same predictions; docs/ablations.md)"));
  f.push_back(integer<int64_t>("train.save_every", AT(train.save_every), at_least(0),
                               "steps between checkpoints; 0 = only at the end"));
  f.push_back(integer<int64_t>("train.keep_last", AT(train.keep_last), at_least(0),
                               "checkpoints kept; 0 = all"));
  f.push_back(choice<ResumeMode>("train.resume", AT(train.resume), kResume,
                                 "auto = continue from the newest checkpoint in train.out_dir"));
  f.push_back(choice<DeviceKind>("train.device", AT(train.device), kDevices,
                                 "auto = cuda when available"));
  f.push_back(choice<Precision>("train.precision", AT(train.precision), kPrecisions,
                                "auto = bf16 autocast on CUDA, fp32 on CPU"));
  f.push_back(choice<LossScaleMode>(
      "train.loss_scale", AT(train.loss_scale), kLossScales,
      "dynamic loss scaling: auto = on for fp16 only; overflowing updates are skipped"));
  f.push_back(number("train.loss_scale_init", AT(train.loss_scale_init), above(0),
                     "first loss scale (a power of two keeps scaling exact)"));
  f.push_back(integer<int64_t>("train.loss_scale_window", AT(train.loss_scale_window),
                               at_least(1), "overflow-free updates before the scale doubles"));
  f.push_back(integer<int64_t>("train.max_nonfinite_in_a_row", AT(train.max_nonfinite_in_a_row),
                               at_least(1), "skipped non-finite steps in a row before stopping"));
  f.push_back(boolean("train.tensorboard", AT(train.tensorboard),
                      "write TensorBoard event files"));

  // dist
  f.push_back(choice<DistBackend>("dist.backend", AT(dist.backend), kBackends,
                                  "auto = nccl on CUDA, gloo on CPU"));
  f.push_back(number("dist.bucket_mb", AT(dist.bucket_mb), above(0),
                     "gradient all-reduce bucket size in MB"));
  f.push_back(boolean("dist.overlap", AT(dist.overlap),
                      "all-reduce gradient buckets while backward runs (false: after it)"));
  f.push_back(boolean("dist.find_unused_parameters", AT(dist.find_unused_parameters),
                      "tolerate parameters that get no gradient in a step (walks the graph each step)"));
  f.push_back(integer<int64_t>("dist.timeout_s", AT(dist.timeout_s), at_least(1),
                               "a collective waiting longer fails with an error"));

  // finetune
  f.push_back(string("finetune.task", AT(finetune.task), "task name, e.g. sst2, mnli, rte"));
  f.push_back(string("finetune.data_dir", AT(finetune.data_dir), "the task's train/dev files"));
  f.push_back(string("finetune.init", AT(finetune.init),
                     "pretrained checkpoint directory (also settable as top-level `init`)"));
  f.push_back(integer<int64_t>("finetune.epochs", AT(finetune.epochs), at_least(1),
                               "passes over the training set"));
  f.push_back(number("finetune.lr", AT(finetune.lr), above(0),
                     "peak LR (RoBERTa GLUE: 1e-5, 2e-5 for RTE and STS-B)"));
  f.push_back(integer<int64_t>("finetune.batch", AT(finetune.batch), at_least(1),
                               "sequences per update (RoBERTa GLUE: 32 or 16)"));
  f.push_back(integer<int64_t>("finetune.micro", AT(finetune.micro), at_least(0),
                               "sequences per forward/backward; 0 = finetune.batch"));
  f.push_back(integer<int64_t>("finetune.seq_len", AT(finetune.seq_len), at_least(8),
                               "longest input; longer examples are truncated"));
  f.push_back(number("finetune.warmup_ratio", AT(finetune.warmup_ratio), kProbability,
                     "fraction of the updates spent warming up (linear decay after)"));
  f.push_back(number("finetune.weight_decay", AT(finetune.weight_decay), at_least(0),
                     "decoupled weight decay"));
  f.push_back(number("finetune.head_dropout", AT(finetune.head_dropout), kDropout,
                     "dropout in the classification head"));
  f.push_back(string("finetune.metric", AT(finetune.metric),
                     "model-selection metric (accuracy, f1, mcc, pearson, ...); empty = the task's"));
  f.push_back(integer<int64_t>("finetune.num_labels", AT(finetune.num_labels), at_least(0),
                               "classes (1 = regression); 0 = from the task"));
  f.push_back(integer<int64_t>("finetune.patience", AT(finetune.patience), at_least(0),
                               "epochs without improvement before stopping; 0 = off"));
  return f;
}

#undef AT

std::string leaf(const std::string& key) {
  auto dot = key.rfind('.');
  return dot == std::string::npos ? key : key.substr(dot + 1);
}

}  // namespace

// Optimal string alignment: Levenshtein plus adjacent transpositions.
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

const std::vector<Field>& fields() {
  static const std::vector<Field> table = make_fields();
  return table;
}

const Field* find_field(const std::string& key) {
  static const std::map<std::string, std::string> aliases = {{"init", "finetune.init"}};
  auto alias = aliases.find(key);
  const std::string& name = alias == aliases.end() ? key : alias->second;
  for (const auto& f : fields()) {
    if (f.key == name) return &f;
  }
  return nullptr;
}

const std::vector<std::string>& sections() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& f : fields()) {
      auto dot = f.key.find('.');
      if (dot == std::string::npos) continue;
      std::string s = f.key.substr(0, dot);
      if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
    }
    return out;
  }();
  return names;
}

std::string suggest_key(const std::string& key) {
  // The same name in another section (optim.warmup_steps -> schedule.warmup_steps).
  std::string name = leaf(key);
  for (const auto& f : fields()) {
    if (leaf(f.key) == name && f.key != key) return f.key;
  }
  std::string best;
  size_t best_distance = std::numeric_limits<size_t>::max();
  auto consider = [&](const std::string& candidate) {
    size_t d = edit_distance(key, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  };
  for (const auto& f : fields()) consider(f.key);
  for (const auto& s : sections()) consider(s);
  consider("init");
  size_t allowed = std::max<size_t>(2, key.size() / 4);
  return best_distance <= allowed ? best : std::string();
}

std::string yaml_number(double value) {
  std::string text = fmt::format("{}", value);  // shortest text that reads back exactly
  bool has_dot = text.find('.') != std::string::npos;
  auto e = text.find('e');
  if (e != std::string::npos) {
    if (!has_dot) text.insert(e, ".0");  // 1e-06 -> 1.0e-06: YAML 1.1 readers want the dot
  } else if (!has_dot && text.find("inf") == std::string::npos &&
             text.find("nan") == std::string::npos) {
    text += ".0";
  }
  return text;
}

std::string yaml_string(const std::string& value) {
  std::string out = "\"";
  for (unsigned char ch : value) {
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (ch < 0x20) out += fmt::format("\\x{:02x}", ch);
        else out += static_cast<char>(ch);
    }
  }
  return out + "\"";
}

}  // namespace roberta::config_detail

namespace roberta {
namespace {

template <typename E>
std::string name_of(const std::vector<std::pair<std::string, E>>& names, E value) {
  for (const auto& [name, v] : names) {
    if (v == value) return name;
  }
  return "?";
}

}  // namespace

std::string to_string(data::InputFormat format) {
  return name_of(config_detail::kFormats, format);
}
std::string to_string(ResumeMode mode) { return name_of(config_detail::kResume, mode); }
std::string to_string(DeviceKind device) { return name_of(config_detail::kDevices, device); }
std::string to_string(Precision precision) {
  return name_of(config_detail::kPrecisions, precision);
}
std::string to_string(LossScaleMode mode) { return name_of(config_detail::kLossScales, mode); }
std::string to_string(DistBackend backend) { return name_of(config_detail::kBackends, backend); }

}  // namespace roberta
