// Dataset manifest reading/writing and the global sentence numbering over shards.
#include "data/dataset.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>

#include "util/crc32c.h"
#include "util/error.h"
#include "util/threads.h"

namespace roberta::data {
namespace fs = std::filesystem;

namespace {

// j[key] as an integer in T's range; nlohmann's get<T>() would static_cast a float or an
// out-of-range integer (undefined behaviour for a float beyond T, found by fuzz_dataset_manifest).
template <typename T>
T integer_at(const nlohmann::json& j, const char* key, const std::string& path) {
  const nlohmann::json& value = j.at(key);
  const bool in_range =
      (value.is_number_unsigned() && value.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max())) ||
      (value.is_number_integer() && !value.is_number_unsigned() &&
       value.get<int64_t>() >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
       (value.get<int64_t>() < 0 ||
        static_cast<uint64_t>(value.get<int64_t>()) <= static_cast<uint64_t>(std::numeric_limits<T>::max())));
  if (!in_range) {
    fail("{}: key {}: expected an integer in [{}, {}], found {}", path, key, std::numeric_limits<T>::min(),
         std::numeric_limits<T>::max(), value.dump());
  }
  return value.is_number_unsigned() ? static_cast<T>(value.get<uint64_t>()) : static_cast<T>(value.get<int64_t>());
}

}  // namespace

std::shared_ptr<const Dataset> Dataset::open(const std::string& dir) {
  const std::string manifest_path = (fs::path(dir) / kManifestName).string();
  std::ifstream in(manifest_path);
  if (!in) fail("{}: cannot open the dataset manifest (run `roberta preprocess` first)", manifest_path);
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::exception& e) {
    fail("{}: invalid JSON: {}", manifest_path, e.what());
  }
  std::shared_ptr<Dataset> ds(new Dataset());
  ds->dir_ = dir;
  try {
    if (!j.at("version").is_number_integer() || j.at("version").get<int64_t>() != kManifestVersion) {
      fail("{}: key version: expected {}, found {}", manifest_path, kManifestVersion, j.at("version").dump());
    }
    const auto& sp = j.at("special");
    ds->special_.bos_id = integer_at<int32_t>(sp, "bos_id", manifest_path);
    ds->special_.pad_id = integer_at<int32_t>(sp, "pad_id", manifest_path);
    ds->special_.eos_id = integer_at<int32_t>(sp, "eos_id", manifest_path);
    ds->special_.unk_id = integer_at<int32_t>(sp, "unk_id", manifest_path);
    ds->special_.mask_id = integer_at<int32_t>(sp, "mask_id", manifest_path);
    ds->special_.vocab_size = integer_at<int64_t>(sp, "vocab_size", manifest_path);
    // Opening a shard reads and checks its index (CRC, offsets): the shards in parallel.
    std::vector<std::string> names;
    for (const auto& name : j.at("shards")) names.push_back((fs::path(dir) / name.get<std::string>()).string());
    std::vector<std::unique_ptr<ShardReader>> opened(names.size());
    parallel_for(names.size(), hardware_threads(), [&](size_t begin, size_t end) {
      for (size_t k = begin; k < end; ++k) opened[k] = std::make_unique<ShardReader>(names[k]);
    });
    for (auto& shard : opened) {
      const uint64_t base = ds->sentence_shard_begin_.back();
      for (uint64_t d = 1; d <= shard->num_documents(); ++d) {
        ds->doc_sentence_begin_.push_back(base + shard->document_begin(d));
      }
      ds->sentence_shard_begin_.push_back(base + shard->num_sentences());
      ds->token_shard_begin_.push_back(ds->token_shard_begin_.back() + shard->num_tokens());
      ds->num_tokens_ += shard->num_tokens();
      ds->shards_.push_back(std::move(shard));
    }
    if (ds->num_documents() != integer_at<uint64_t>(j, "documents", manifest_path) ||
        ds->num_tokens_ != integer_at<uint64_t>(j, "tokens", manifest_path)) {
      fail("{}: counts: expected {} documents and {} tokens, the shards hold {} and {}", manifest_path,
           j.at("documents").dump(), j.at("tokens").dump(), ds->num_documents(), ds->num_tokens_);
    }
  } catch (const nlohmann::json::exception& e) {
    fail("{}: malformed manifest: {}", manifest_path, e.what());
  }
  return ds;
}

std::pair<const ShardReader*, uint64_t> Dataset::locate(uint64_t s) const {
  auto it = std::upper_bound(sentence_shard_begin_.begin(), sentence_shard_begin_.end(), s);
  const size_t shard = static_cast<size_t>(it - sentence_shard_begin_.begin()) - 1;
  return {shards_[shard].get(), s - sentence_shard_begin_[shard]};
}

uint64_t Dataset::sentence_length(uint64_t s) const {
  auto [shard, local] = locate(s);
  return shard->sentence_begin(local + 1) - shard->sentence_begin(local);
}

void Dataset::append_sentence(uint64_t s, uint64_t from, uint64_t to, std::vector<int32_t>& out) const {
  auto [shard, local] = locate(s);
  const uint64_t begin = shard->sentence_begin(local);
  append_checked(*shard, begin + from, begin + to, out);
}

void Dataset::append_tokens(uint64_t begin, uint64_t end, int32_t separator, std::vector<int32_t>& out) const {
  if (begin >= end) return;
  if (end > num_tokens_) {
    fail("dataset: tokens {}..{} requested, the dataset holds {} (a sample plan of another dataset?)", begin, end,
         num_tokens_);
  }
  auto it = std::upper_bound(token_shard_begin_.begin(), token_shard_begin_.end(), begin);
  for (auto k = static_cast<size_t>(it - token_shard_begin_.begin()) - 1; begin < end; ++k) {
    const ShardReader& shard = *shards_[k];
    const uint64_t base = token_shard_begin_[k];
    const uint64_t stop = std::min(end, token_shard_begin_[k + 1]) - base;
    uint64_t t = begin - base;
    uint64_t s = shard.sentence_of(t);
    uint64_t d = shard.document_of(s);
    for (;;) {
      const uint64_t to = std::min(stop, shard.sentence_begin(s + 1));
      append_checked(shard, t, to, out);
      t = to;
      if (t >= stop) break;
      ++s;  // t is where sentence s starts
      if (s == shard.document_begin(d + 1)) {
        ++d;
        out.push_back(separator);
      }
    }
    begin = base + stop;
    if (begin < end) out.push_back(separator);  // documents never span shards
  }
}

void Dataset::append_checked(const ShardReader& shard, uint64_t begin, uint64_t end, std::vector<int32_t>& out) const {
  const size_t first = out.size();
  shard.append_tokens(begin, end, out);
  // Every id that reaches the model passes here, on a loader thread: an id outside the
  // vocabulary would otherwise surface as a CUDA device-side assert deep in the loss, far from
  // the file that holds it.
  for (size_t i = first; i < out.size(); ++i) {
    if (out[i] < 0 || out[i] >= special_.vocab_size) {
      fail("{}: token {} (sentence {} of this shard) is id {}, outside the vocabulary of {} ids in "
           "dataset.json: the shard is corrupt or was made with another tokenizer; run `roberta "
           "preprocess` again", shard.path(), begin + (i - first), shard.sentence_of(begin + (i - first)), out[i],
           special_.vocab_size);
    }
  }
}

uint32_t Dataset::identity() const {
  uint32_t crc = 0;
  for (const auto& shard : shards_) {
    const uint64_t fields[4] = {shard->index_crc(), shard->num_tokens(), shard->num_sentences(), shard->num_documents()};
    crc = crc32c_extend(crc, fields, sizeof(fields));
  }
  return crc;
}

uint64_t Dataset::block_tokens() const {
  uint64_t tokens = std::numeric_limits<uint64_t>::max();
  for (const auto& shard : shards_) tokens = std::min(tokens, shard->block_bytes() / shard->dtype_bytes());
  return tokens;
}

uint64_t Dataset::verify(int threads) const {
  // Work items of 16 blocks, over all shards, so that one large shard keeps every thread busy.
  constexpr uint64_t kItemBlocks = 16;
  std::vector<std::pair<size_t, uint64_t>> items;  // (shard, first block)
  uint64_t bytes = 0;
  for (size_t k = 0; k < shards_.size(); ++k) {
    const ShardReader& shard = *shards_[k];
    for (uint64_t b = 0; b < std::max<uint64_t>(shard.num_blocks(), 1); b += kItemBlocks) items.emplace_back(k, b);
    bytes += shard.num_tokens() * shard.dtype_bytes() + (shard.num_sentences() + 1) * 8;
  }
  parallel_for(items.size(), threads, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      shards_[items[i].first]->verify_blocks_now(items[i].second, items[i].second + kItemBlocks);
    }
  });
  return bytes;
}

Dataset::BlocksRead Dataset::blocks_read() const {
  BlocksRead out;
  for (const auto& shard : shards_) {
    out.read += shard->blocks_verified();
    out.total += shard->num_blocks();
  }
  return out;
}

DatasetWriter::DatasetWriter(std::string dir, SpecialTokens special, uint64_t max_shard_tokens, uint64_t block_bytes)
    : dir_(std::move(dir)), special_(special), max_shard_tokens_(max_shard_tokens), block_bytes_(block_bytes) {
  fs::create_directories(dir_);
}

void DatasetWriter::roll() {
  if (shard_) shard_->finish();
  const std::string name = fmt::format("shard-{:05d}.bin", shard_names_.size());
  shard_names_.push_back(name);
  shard_ = std::make_unique<ShardWriter>((fs::path(dir_) / name).string(), special_.vocab_size, block_bytes_);
  // A shard rolls over after the document that reaches max_shard_tokens: room for a bit more.
  shard_->reserve(max_shard_tokens_ + max_shard_tokens_ / 16);
}

bool DatasetWriter::begin_document() {
  bool finished = false;
  if (!shard_ || shard_->num_tokens() >= max_shard_tokens_) {
    finished = shard_ != nullptr;
    roll();
  }
  shard_->begin_document();
  doc_has_sentence_ = false;
  return finished;
}

void DatasetWriter::resume(std::vector<std::string> shard_names, uint64_t documents, uint64_t sentences,
                           uint64_t tokens) {
  if (shard_) fail("{}: a dataset writer resumes before it writes anything", dir_);
  shard_names_ = std::move(shard_names);
  documents_ = documents;
  sentences_ = sentences;
  tokens_ = tokens;
}

std::vector<std::string> DatasetWriter::finished_shards() const {
  std::vector<std::string> names = shard_names_;
  if (shard_ && !names.empty()) names.pop_back();  // the one being filled
  return names;
}

void DatasetWriter::add_sentence(const std::vector<int32_t>& tokens) {
  if (!shard_) begin_document();
  if (tokens.empty()) return;
  shard_->add_sentence(tokens);
  if (!doc_has_sentence_) ++documents_;
  doc_has_sentence_ = true;
  ++sentences_;
  tokens_ += tokens.size();
}

void DatasetWriter::finish() {
  if (!shard_) roll();
  shard_->finish();
  nlohmann::json j;
  j["format"] = "roberta-token-shards";
  j["version"] = kManifestVersion;
  j["special"] = {{"bos_id", special_.bos_id}, {"pad_id", special_.pad_id},
                  {"eos_id", special_.eos_id}, {"unk_id", special_.unk_id},
                  {"mask_id", special_.mask_id}, {"vocab_size", special_.vocab_size}};
  j["dtype"] = special_.vocab_size <= 65536 ? "uint16" : "uint32";
  j["shards"] = shard_names_;
  j["documents"] = documents_;
  j["sentences"] = sentences_;
  j["tokens"] = tokens_;
  std::ofstream out((fs::path(dir_) / kManifestName).string(), std::ios::trunc);
  out << j.dump(2) << "\n";
  out.close();  // the buffered text is written here: check after it
  if (!out) fail("{}: cannot write the manifest (disk full?)", (fs::path(dir_) / kManifestName).string());
}

}  // namespace roberta::data
