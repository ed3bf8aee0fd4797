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
  // Write into a temporary directory and rename: an interrupted run leaves no half dataset.
  const std::string tmp_dir = options.output + ".tmp";
  fs::remove_all(tmp_dir);
  DatasetWriter writer(tmp_dir, special, options.shard_tokens);
  Progress progress("preprocess", total_bytes, "MB");
  if (!options.progress) Progress::set_enabled(false);

  std::vector<std::string> chunk;
  std::vector<std::vector<std::vector<int32_t>>> encoded;  // [doc][sentence][token]
  auto flush_chunk = [&]() {
    encoded.assign(chunk.size(), {});
    tokenizer::parallel_for(chunk.size(), threads, [&](size_t begin, size_t end) {
      for (size_t d = begin; d < end; ++d) {
        auto sentences = options.line_is_sentence ? lines_of(chunk[d]) : split_sentences(chunk[d]);
        auto& out = encoded[d];
        out.resize(sentences.size());
        for (size_t s = 0; s < sentences.size(); ++s) {
          if (s > 0) sentences[s].insert(0, 1, ' ');
          tok.encode_append(sentences[s], out[s]);
        }
      }
    });
    for (auto& doc : encoded) {
      writer.begin_document();
      for (auto& sentence : doc) writer.add_sentence(sentence);
    }
    chunk.clear();
  };

  PreprocessSummary summary;
  for (const auto& path : options.inputs) {
    CorpusReader reader(path, corpus_format_for(path));
    std::string document;
    uint64_t chunk_size = 0, reported = 0;
    while (reader.next(document)) {
      // A NUL byte never occurs in text: the file is binary (an archive, a shard, an image).
      if (const size_t nul = document.find('\0'); nul != std::string::npos) {
        fs::remove_all(tmp_dir);
        fail("{}: expected UTF-8 text, found binary data (a NUL byte in document {})", path,
             writer.num_documents() + chunk.size() + 1);
      }
      chunk_size += document.size();
      chunk.push_back(std::move(document));
      if (chunk_size >= options.chunk_bytes) {
        flush_chunk();
        chunk_size = 0;
        progress.add(reader.bytes_read() - reported);
        reported = reader.bytes_read();
      }
    }
    flush_chunk();
    progress.add(reader.total_bytes() - reported);
    summary.bytes += reader.total_bytes();
  }
  if (writer.num_documents() == 0) {
    fs::remove_all(tmp_dir);
    fail("{}: expected text, found no document (the corpus files are empty or blank)",
         fmt::format("{}", fmt::join(options.inputs, ", ")));
  }
  writer.finish();
  progress.finish();
  if (!options.progress) Progress::set_enabled(true);

  // Record where the dataset came from, then move it into place.
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
    return j.at("inputs") == inputs_json(options) &&
           j.at("special").at("vocab_size").get<int64_t>() == tok.vocab_size();
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

}  // namespace roberta::data
