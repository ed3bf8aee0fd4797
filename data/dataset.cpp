// Dataset manifest reading/writing and the global sentence numbering over shards.
#include "data/dataset.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>

#include "util/error.h"

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
    for (const auto& name : j.at("shards")) {
      auto shard = std::make_unique<ShardReader>((fs::path(dir) / name.get<std::string>()).string());
      const uint64_t base = ds->sentence_shard_begin_.back();
      for (uint64_t d = 1; d <= shard->num_documents(); ++d) {
        ds->doc_sentence_begin_.push_back(base + shard->document_begin(d));
      }
      ds->sentence_shard_begin_.push_back(base + shard->num_sentences());
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
  const size_t first = out.size();
  shard->append_tokens(begin + from, begin + to, out);
  // Every id that reaches the model passes here, on a loader thread: an id outside the
  // vocabulary would otherwise surface as a CUDA device-side assert deep in the loss, far from
  // the file that holds it.
  for (size_t i = first; i < out.size(); ++i) {
    if (out[i] < 0 || out[i] >= special_.vocab_size) {
      fail("{}: token {} (sentence {} of this shard) is id {}, outside the vocabulary of {} ids in "
           "dataset.json: the shard is corrupt or was made with another tokenizer; run `roberta "
           "preprocess` again", shard->path(), begin + from + (i - first), local, out[i], special_.vocab_size);
    }
  }
}

DatasetWriter::DatasetWriter(std::string dir, SpecialTokens special, uint64_t max_shard_tokens)
    : dir_(std::move(dir)), special_(special), max_shard_tokens_(max_shard_tokens) {
  fs::create_directories(dir_);
}

void DatasetWriter::roll() {
  if (shard_) shard_->finish();
  const std::string name = fmt::format("shard-{:05d}.bin", shard_names_.size());
  shard_names_.push_back(name);
  shard_ = std::make_unique<ShardWriter>((fs::path(dir_) / name).string(), special_.vocab_size);
}

void DatasetWriter::begin_document() {
  if (!shard_ || shard_->num_tokens() >= max_shard_tokens_) roll();
  shard_->begin_document();
  doc_has_sentence_ = false;
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
