// The preprocessing pipeline: read a chunk of documents, segment + tokenize it in parallel,
// append it to the dataset in order, repeat.
#include "data/preprocess.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>

#include "data/corpus.h"
#include "data/dataset.h"
#include "data/sentences.h"
#include "tokenizer/batch_encode.h"
#include "util/error.h"
#include "util/progress.h"
#include "util/threads.h"

namespace roberta::data {
namespace fs = std::filesystem;
namespace {

SpecialTokens special_of(const tokenizer::Tokenizer& tok) {
  if (!tok.has_pad() || !tok.has_mask()) {
    fail("tokenizer: expected a RoBERTa vocabulary with <pad> and <mask>, found none (a GPT-2 vocab?)");
  }
  SpecialTokens sp;
  sp.bos_id = tok.bos_id();
  sp.pad_id = tok.pad_id();
  sp.eos_id = tok.eos_id();
  sp.unk_id = tok.unk_id();
  sp.mask_id = tok.mask_id();
  sp.vocab_size = tok.vocab_size();
  return sp;
}

nlohmann::json inputs_json(const PreprocessOptions& options) {
  nlohmann::json inputs = nlohmann::json::array();
  for (const auto& path : options.inputs) {
    std::error_code ec;
    inputs.push_back({{"path", fs::path(path).filename().string()}, {"bytes", fs::file_size(path, ec)}});
  }
  return inputs;
}

// Where the next document starts: input file, byte offset and line number in it.
struct CorpusPosition {
  size_t input = 0;
  uint64_t offset = 0, line = 0;
};

// The progress file of an interrupted run (see preprocess.h).
constexpr const char* kProgressName = "progress.json";
constexpr int kProgressVersion = 1;

nlohmann::json job_json(const tokenizer::Tokenizer& tok, const PreprocessOptions& options) {
  return {{"inputs", inputs_json(options)}, {"vocab_size", tok.vocab_size()}, {"shard_tokens", options.shard_tokens},
          {"block_bytes", options.block_bytes}, {"line_is_sentence", options.line_is_sentence}};
}

struct ResumePoint {
  std::vector<std::string> shards;
  uint64_t documents = 0, sentences = 0, tokens = 0;
  CorpusPosition next;
};

void write_progress(const std::string& dir, const nlohmann::json& job, const ResumePoint& point) {
  nlohmann::json j = {{"version", kProgressVersion}, {"job", job}, {"shards", point.shards},
                      {"documents", point.documents}, {"sentences", point.sentences}, {"tokens", point.tokens},
                      {"input", point.next.input}, {"offset", point.next.offset}, {"line", point.next.line}};
  const std::string path = (fs::path(dir) / kProgressName).string();
  {
    std::ofstream out(path + ".tmp", std::ios::trunc);
    out << j.dump(2) << "\n";
    out.close();
    if (!out) fail("{}: cannot write the progress file (disk full?): {}", path, std::strerror(errno));
  }
  fs::rename(path + ".tmp", path);
}

// The progress of an interrupted run of this same job whose shards are all still there.
bool read_progress(const std::string& dir, const nlohmann::json& job, ResumePoint& point) {
  std::ifstream in((fs::path(dir) / kProgressName).string());
  if (!in) return false;
  try {
    nlohmann::json j;
    in >> j;
    if (j.at("version") != kProgressVersion || j.at("job") != job) return false;
    point.shards = j.at("shards").get<std::vector<std::string>>();
    point.documents = j.at("documents").get<uint64_t>();
    point.sentences = j.at("sentences").get<uint64_t>();
    point.tokens = j.at("tokens").get<uint64_t>();
    point.next = {j.at("input").get<size_t>(), j.at("offset").get<uint64_t>(), j.at("line").get<uint64_t>()};
  } catch (const nlohmann::json::exception&) {
    return false;
  }
  for (const auto& name : point.shards) {
    if (!fs::exists(fs::path(dir) / name)) return false;
  }
  return point.next.input < job.at("inputs").size();
}

std::vector<std::string> lines_of(const std::string& document) {
  std::vector<std::string> out;
  size_t begin = 0;
  while (begin <= document.size()) {
    size_t end = document.find('\n', begin);
    if (end == std::string::npos) end = document.size();
    if (end > begin) out.push_back(document.substr(begin, end - begin));
    begin = end + 1;
  }
  return out;
}

}  // namespace

PreprocessSummary preprocess(const tokenizer::Tokenizer& tok, const PreprocessOptions& options) {
  if (options.inputs.empty()) fail("preprocess: expected at least one input file, found none");
  if (options.output.empty()) fail("preprocess: expected an output directory");
  const auto start = std::chrono::steady_clock::now();
  const SpecialTokens special = special_of(tok);
  const int threads = options.threads > 0 ? static_cast<int>(options.threads) : hardware_threads();

  uint64_t total_bytes = 0;
  for (const auto& path : options.inputs) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec) fail("{}: cannot open the corpus file: {}", path, ec.message());
    total_bytes += size;
  }
  // Write into a temporary directory and rename: an interrupted run leaves no half dataset, and
  // its progress file lets the next run of the same job continue it.
  const std::string tmp_dir = options.output + ".tmp";
  const nlohmann::json job = job_json(tok, options);
  ResumePoint resume;
  const bool resuming = options.resume && read_progress(tmp_dir, job, resume);
  if (resuming) {
    // Anything the progress file does not list (a shard finished after it was written) goes.
    std::set<std::string> keep(resume.shards.begin(), resume.shards.end());
    keep.insert(kProgressName);
    for (const auto& entry : fs::directory_iterator(tmp_dir)) {
      if (!keep.count(entry.path().filename().string())) fs::remove_all(entry.path());
    }
  } else {
    fs::remove_all(tmp_dir);
  }
  DatasetWriter writer(tmp_dir, special, options.shard_tokens, options.block_bytes);
  PreprocessSummary summary;
  uint64_t skipped_bytes = 0;
  if (resuming) {
    writer.resume(resume.shards, resume.documents, resume.sentences, resume.tokens);
    for (size_t i = 0; i < resume.next.input; ++i) skipped_bytes += fs::file_size(options.inputs[i]);
    skipped_bytes += resume.next.offset;
    summary.resumed_shards = resume.shards.size();
    summary.resumed_bytes = skipped_bytes;
    if (options.progress) {
      fmt::print(stderr, "preprocess: resuming an interrupted run: {} shards ({} tokens) done, continuing at {} byte {}\n",
                 resume.shards.size(), resume.tokens, options.inputs[resume.next.input], resume.next.offset);
    }
  }
  Progress progress("preprocess", total_bytes - skipped_bytes, "MB");
  if (!options.progress) Progress::set_enabled(false);

  std::vector<std::string> chunk;
  std::vector<CorpusPosition> chunk_end;                   // where the document after each starts
  CorpusPosition written = resume.next;                    // after the last document written
  // One flat id buffer per document of the chunk, kept from chunk to chunk (no allocation per
  // sentence once warm).
  struct EncodedDocument {
    std::vector<int32_t> ids;
    std::vector<size_t> sentence_ends;
  };
  std::vector<EncodedDocument> encoded;
  auto flush_chunk = [&]() {
    if (encoded.size() < chunk.size()) encoded.resize(chunk.size());
    parallel_for(chunk.size(), threads, [&](size_t begin, size_t end) {
      std::string spaced;  // a sentence after the first one is encoded with the space before it
      for (size_t d = begin; d < end; ++d) {
        auto sentences = options.line_is_sentence ? lines_of(chunk[d]) : split_sentences(chunk[d]);
        auto& out = encoded[d];
        out.ids.clear();
        out.sentence_ends.clear();
        for (size_t s = 0; s < sentences.size(); ++s) {
          if (s == 0) {
            tok.encode_append(sentences[s], out.ids);
          } else {
            spaced.assign(1, ' ');
            spaced += sentences[s];
            tok.encode_append(spaced, out.ids);
          }
          out.sentence_ends.push_back(out.ids.size());
        }
      }
    });
    for (size_t d = 0; d < chunk.size(); ++d) {
      if (writer.begin_document()) {
        // A shard was just finished: everything before this document is on disk.
        write_progress(tmp_dir, job, {writer.finished_shards(), writer.num_documents(), writer.num_sentences(),
                                      writer.num_tokens(), written});
        if (options.stop_after_shards > 0 && writer.finished_shards().size() >= options.stop_after_shards) {
          fail("preprocess: stopped after {} shards (stop_after_shards)", options.stop_after_shards);
        }
      }
      const EncodedDocument& doc = encoded[d];
      for (size_t s = 0, at = 0; s < doc.sentence_ends.size(); at = doc.sentence_ends[s++]) {
        writer.add_sentence(doc.ids.data() + at, doc.sentence_ends[s] - at);
      }
      written = chunk_end[d];
    }
    chunk.clear();
    chunk_end.clear();
  };

  for (size_t i = resuming ? resume.next.input : 0; i < options.inputs.size(); ++i) {
    const std::string& path = options.inputs[i];
    CorpusReader reader(path, corpus_format_for(path));
    if (resuming && i == resume.next.input) reader.seek(resume.next.offset, resume.next.line);
    std::string document;
    uint64_t chunk_size = 0, reported = reader.bytes_read();
    while (reader.next(document)) {
      // A NUL byte never occurs in text: the file is binary (an archive, a shard, an image).
      if (const size_t nul = document.find('\0'); nul != std::string::npos) {
        fs::remove_all(tmp_dir);
        fail("{}: expected UTF-8 text, found binary data (a NUL byte in document {})", path,
             writer.num_documents() + chunk.size() + 1);
      }
      chunk_size += document.size();
      chunk.push_back(std::move(document));
      chunk_end.push_back({i, reader.bytes_read(), reader.lines_read()});
      if (chunk_size >= options.chunk_bytes) {
        flush_chunk();
        chunk_size = 0;
        progress.add(reader.bytes_read() - reported);
        reported = reader.bytes_read();
      }
    }
    flush_chunk();
    progress.add(reader.total_bytes() - reported);
    written = {i + 1, 0, 0};
  }
  summary.bytes = total_bytes - skipped_bytes;  // read in this run
  if (writer.num_documents() == 0) {
    fs::remove_all(tmp_dir);
    fail("{}: expected text, found no document (the corpus files are empty or blank)",
         fmt::format("{}", fmt::join(options.inputs, ", ")));
  }
  writer.finish();
  progress.finish();
  if (!options.progress) Progress::set_enabled(true);

  // Record where the dataset came from, then move it into place.
  fs::remove(fs::path(tmp_dir) / kProgressName);
  const std::string manifest = (fs::path(tmp_dir) / kManifestName).string();
  nlohmann::json j;
  {
    std::ifstream in(manifest);
    in >> j;
  }
  j["inputs"] = inputs_json(options);
  {
    std::ofstream out(manifest, std::ios::trunc);
    out << j.dump(2) << "\n";
    out.close();
    if (!out) fail("{}: cannot write the manifest (disk full?): {}", manifest, std::strerror(errno));
  }
  fs::remove_all(options.output);
  fs::rename(tmp_dir, options.output);

  summary.documents = writer.num_documents();
  summary.sentences = writer.num_sentences();
  summary.tokens = writer.num_tokens();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

bool is_preprocessed(const tokenizer::Tokenizer& tok, const PreprocessOptions& options) {
  std::ifstream in((fs::path(options.output) / kManifestName).string());
  if (!in) return false;
  try {
    nlohmann::json j;
    in >> j;
    if (j.at("version") != kManifestVersion || j.at("inputs") != inputs_json(options) ||
        j.at("special").at("vocab_size").get<int64_t>() != tok.vocab_size()) {
      return false;
    }
    // Blocks of another size, or shards of an older format, are redone, not reported as up to
    // date (and then refused).
    for (const auto& info : j.at("shard_info")) {
      if (info.at("block_bytes").get<uint64_t>() != options.block_bytes) return false;
    }
    for (const auto& name : j.at("shards")) {
      std::ifstream shard((fs::path(options.output) / name.get<std::string>()).string(), std::ios::binary);
      ShardHeader header{};
      if (!shard.read(reinterpret_cast<char*>(&header), sizeof(header)) || header.version != kShardVersion) return false;
    }
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

}  // namespace roberta::data
