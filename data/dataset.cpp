// Dataset manifest reading/writing and the global sentence numbering over shards.
#include "data/dataset.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>

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
      fail("{}: key version: expected {}, found {} (an older dataset: run `roberta preprocess` again)", manifest_path,
           kManifestVersion, j.at("version").dump());
    }
    const auto& sp = j.at("special");
    ds->special_.bos_id = integer_at<int32_t>(sp, "bos_id", manifest_path);
    ds->special_.pad_id = integer_at<int32_t>(sp, "pad_id", manifest_path);
    ds->special_.eos_id = integer_at<int32_t>(sp, "eos_id", manifest_path);
    ds->special_.unk_id = integer_at<int32_t>(sp, "unk_id", manifest_path);
    ds->special_.mask_id = integer_at<int32_t>(sp, "mask_id", manifest_path);
    ds->special_.vocab_size = integer_at<int64_t>(sp, "vocab_size", manifest_path);
    // Nothing of the shards is read here: dataset.json says what each holds, and each file's
    // size (a stat) is checked against it, so a missing or truncated shard fails now, not hours
    // into a run. A shard is opened the first time it is used (shard(k)).
    const auto& shards = j.at("shards");
    const auto& info = j.at("shard_info");
    if (!shards.is_array() || !info.is_array() || shards.size() != info.size()) {
      fail("{}: key shard_info: expected one entry per shard ({}), found {}", manifest_path, shards.size(),
           info.is_array() ? std::to_string(info.size()) : info.dump());
    }
    for (size_t k = 0; k < shards.size(); ++k) {
      ShardInfo s;
      s.path = (fs::path(dir) / shards[k].get<std::string>()).string();
      const auto& e = info[k];
      s.tokens = integer_at<uint64_t>(e, "tokens", manifest_path);
      s.sentences = integer_at<uint64_t>(e, "sentences", manifest_path);
      s.documents = integer_at<uint64_t>(e, "documents", manifest_path);
      s.bytes = integer_at<uint64_t>(e, "bytes", manifest_path);
      s.block_bytes = integer_at<uint64_t>(e, "block_bytes", manifest_path);
      s.dtype_bytes = integer_at<uint64_t>(e, "dtype_bytes", manifest_path);
      s.index_crc = integer_at<uint32_t>(e, "index_crc", manifest_path);
      if (s.block_bytes == 0 || (s.dtype_bytes != 2 && s.dtype_bytes != 4)) {
        fail("{}: shard_info[{}]: expected block_bytes > 0 and dtype_bytes 2 or 4, found {} and {}", manifest_path, k,
             s.block_bytes, s.dtype_bytes);
      }
      std::error_code ec;
      const uint64_t size = fs::file_size(s.path, ec);
      if (ec) fail("{}: cannot open shard: {}", s.path, ec.message());
      if (size != s.bytes) {
        fail("{}: truncated or damaged shard: expected {} bytes (dataset.json), found {}", s.path, s.bytes, size);
      }
      ds->document_shard_begin_.push_back(ds->document_shard_begin_.back() + s.documents);
      ds->sentence_shard_begin_.push_back(ds->sentence_shard_begin_.back() + s.sentences);
      ds->token_shard_begin_.push_back(ds->token_shard_begin_.back() + s.tokens);
      ds->num_tokens_ += s.tokens;
      ds->info_.push_back(std::move(s));
    }
    ds->shards_.resize(ds->info_.size());
    ds->opened_ = std::make_unique<std::once_flag[]>(ds->info_.size());
    ds->is_open_ = std::make_unique<std::atomic<bool>[]>(ds->info_.size());
    for (size_t k = 0; k < ds->info_.size(); ++k) ds->is_open_[k].store(false, std::memory_order_relaxed);
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

const ShardReader& Dataset::shard(size_t k) const {
  std::call_once(opened_[k], [&] {  // a failed open throws, and the next call tries again
    auto reader = std::make_unique<ShardReader>(info_[k].path);
    const ShardInfo& i = info_[k];
    if (reader->num_tokens() != i.tokens || reader->num_sentences() != i.sentences ||
        reader->num_documents() != i.documents || reader->index_crc() != i.index_crc) {
      fail("{}: holds {} tokens, {} sentences, {} documents (index CRC {:08x}); {} says {}, {}, {} ({:08x}): the shard "
           "was replaced after `roberta preprocess` wrote it: run it again", i.path, reader->num_tokens(),
           reader->num_sentences(), reader->num_documents(), reader->index_crc(), kManifestName, i.tokens, i.sentences,
           i.documents, i.index_crc);
    }
    shards_[k] = std::move(reader);
    is_open_[k].store(true, std::memory_order_release);
  });
  return *shards_[k];
}

void Dataset::prepare(const std::vector<std::pair<uint64_t, uint64_t>>& ranges) const {
  auto shard_of = [&](uint64_t t) {
    return static_cast<size_t>(std::upper_bound(token_shard_begin_.begin(), token_shard_begin_.end(), t) -
                               token_shard_begin_.begin()) - 1;
  };
  // The shards not yet open, with the parts of the ranges in each (shard-local tokens).
  std::map<size_t, std::vector<std::pair<uint64_t, uint64_t>>> closed;
  for (const auto& [begin, end] : ranges) {
    if (begin >= end || end > num_tokens_) continue;
    for (size_t k = shard_of(begin); k <= shard_of(end - 1); ++k) {
      if (is_open_[k].load(std::memory_order_acquire)) continue;
      const uint64_t base = token_shard_begin_[k];
      closed[k].emplace_back(std::max(begin, base) - base, std::min(end, token_shard_begin_[k + 1]) - base);
    }
  }
  // Each opens on a thread of its own (opening waits on the disk, not the CPU; later batches
  // find them open), after asking for everything opening it and reading the ranges will read
  // at once (a cold start: one round of disk latency, shards.h). The hints run on those threads
  // too: on a cold cache even a hint can wait for the file system's own block map.
  std::vector<size_t> todo;
  for (const auto& entry : closed) todo.push_back(entry.first);
  parallel_for(todo.size(), static_cast<int>(std::clamp<size_t>(todo.size(), 1, 16)), [&](size_t b, size_t e) {
    for (size_t j = b; j < e; ++j) {
      const ShardInfo& i = info_[todo[j]];
      ShardReader::will_need_unopened(
          i.path, {i.tokens, i.sentences, i.documents, i.dtype_bytes, i.block_bytes, i.bytes}, closed.at(todo[j]));
      shard(todo[j]);
    }
  });
  for (const auto& [begin, end] : ranges) {
    if (begin >= end || end > num_tokens_) continue;
    for (size_t k = shard_of(begin); k <= shard_of(end - 1); ++k) {
      const uint64_t base = token_shard_begin_[k];
      shard(k).will_need(std::max(begin, base) - base, std::min(end, token_shard_begin_[k + 1]) - base);
    }
  }
}

uint64_t Dataset::document_begin(uint64_t d) const {
  if (d >= num_documents()) return num_sentences();
  auto it = std::upper_bound(document_shard_begin_.begin(), document_shard_begin_.end(), d);
  const size_t k = static_cast<size_t>(it - document_shard_begin_.begin()) - 1;
  return sentence_shard_begin_[k] + shard(k).document_begin(d - document_shard_begin_[k]);
}

std::pair<const ShardReader*, uint64_t> Dataset::locate(uint64_t s) const {
  auto it = std::upper_bound(sentence_shard_begin_.begin(), sentence_shard_begin_.end(), s);
  const size_t shard = static_cast<size_t>(it - sentence_shard_begin_.begin()) - 1;
  return {&this->shard(shard), s - sentence_shard_begin_[shard]};
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
    const ShardReader& shard = this->shard(k);
    const uint64_t base = token_shard_begin_[k];
    const uint64_t stop = std::min(end, token_shard_begin_[k + 1]) - base;
    // Only document boundaries matter here: the document token offsets (one index block of
    // them covers 8,192 documents), never the sentence index.
    uint64_t t = begin - base;
    for (uint64_t d = shard.document_of_token(t);; ++d) {
      const uint64_t to = std::min(stop, shard.document_token_begin(d + 1));
      append_checked(shard, t, to, out);
      t = to;
      if (t >= stop) break;
      out.push_back(separator);  // t is where document d + 1 starts
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
  for (const ShardInfo& i : info_) {  // what the shard's header holds, checked when it is opened
    const uint64_t fields[4] = {i.index_crc, i.tokens, i.sentences, i.documents};
    crc = crc32c_extend(crc, fields, sizeof(fields));
  }
  return crc;
}

uint64_t Dataset::block_tokens() const {
  uint64_t tokens = std::numeric_limits<uint64_t>::max();
  for (const ShardInfo& i : info_) tokens = std::min(tokens, i.block_bytes / i.dtype_bytes);
  return tokens;
}

uint64_t Dataset::verify(int threads) const {
  // Work items of 16 blocks, over all shards, so that one large shard keeps every thread busy.
  constexpr uint64_t kItemBlocks = 16;
  parallel_for(num_shards(), threads, [&](size_t begin, size_t end) {  // open them all, in parallel
    for (size_t k = begin; k < end; ++k) shard(k);
  });
  std::vector<std::pair<size_t, uint64_t>> items;  // (shard, first block)
  uint64_t bytes = 0;
  for (size_t k = 0; k < shards_.size(); ++k) {
    const ShardReader& s = *shards_[k];
    for (uint64_t b = 0; b < std::max<uint64_t>(s.num_blocks(), 1); b += kItemBlocks) items.emplace_back(k, b);
    bytes += s.num_tokens() * s.dtype_bytes() + (s.num_sentences() + 2 * s.num_documents() + 3) * 8;
  }
  parallel_for(items.size(), threads, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      shards_[items[i].first]->verify_blocks_now(items[i].second, items[i].second + kItemBlocks);
    }
  });
  return bytes;
}

Dataset::BlocksRead Dataset::blocks_read() const {
  const std::vector<uint8_t> map = blocks_read_map();
  return {static_cast<uint64_t>(std::count(map.begin(), map.end(), uint8_t{1})), map.size()};
}

std::vector<uint8_t> Dataset::blocks_read_map() const {
  std::vector<uint8_t> out;
  for (size_t k = 0; k < num_shards(); ++k) {
    const uint64_t blocks = info_[k].token_blocks();
    const size_t first = out.size();
    out.resize(first + blocks, 0);
    // An unopened shard read nothing; is_open_ (not shards_[k], which another thread may be
    // setting) says which are open.
    if (!is_open_[k].load(std::memory_order_acquire)) continue;
    for (uint64_t b = 0; b < blocks; ++b) out[first + b] = shards_[k]->block_verified(b);
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

void DatasetWriter::add_sentence(const int32_t* tokens, size_t count) {
  if (!shard_) begin_document();
  if (count == 0) return;
  shard_->add_sentence(tokens, count);
  if (!doc_has_sentence_) ++documents_;
  doc_has_sentence_ = true;
  ++sentences_;
  tokens_ += count;
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
  // What each shard holds, from its header: readers open the dataset from this file alone.
  nlohmann::json info = nlohmann::json::array();
  for (const std::string& name : shard_names_) {
    const std::string path = (fs::path(dir_) / name).string();
    std::ifstream in(path, std::ios::binary);
    ShardHeader h{};
    if (!in.read(reinterpret_cast<char*>(&h), sizeof h)) fail("{}: cannot read the shard header back", path);
    info.push_back({{"tokens", h.num_tokens}, {"sentences", h.num_sentences}, {"documents", h.num_documents},
                    {"bytes", fs::file_size(path)}, {"block_bytes", h.block_bytes}, {"dtype_bytes", h.dtype_bytes},
                    {"index_crc", static_cast<uint32_t>(h.index_crc)}});
  }
  j["shard_info"] = std::move(info);
  j["documents"] = documents_;
  j["sentences"] = sentences_;
  j["tokens"] = tokens_;
  std::ofstream out((fs::path(dir_) / kManifestName).string(), std::ios::trunc);
  out << j.dump(2) << "\n";
  out.close();  // the buffered text is written here: check after it
  if (!out) fail("{}: cannot write the manifest (disk full?)", (fs::path(dir_) / kManifestName).string());
}

}  // namespace roberta::data
