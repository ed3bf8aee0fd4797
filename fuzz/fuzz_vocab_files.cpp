// Fuzzes the vocab.json / merges.txt loader. The first byte picks which file the rest of the
// input becomes (the other one is a small valid file); a pair that loads is then used to build
// a tokenizer and encode a fixed text. Only roberta::Error may escape the loader: any other
// exception, crash or sanitizer report is a finding.
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "fuzz/fuzz_util.h"
#include "tokenizer/byte_table.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/vocab_files.h"
#include "util/error.h"

namespace {

// A small valid vocabulary: the four specials, the 256 byte tokens and the two merged
// tokens of kMerges, so a fuzzed merges.txt can name real tokens.
const std::string& valid_vocab_json() {
  static const std::string json = [] {
    nlohmann::json j = {{"<s>", 0}, {"<pad>", 1}, {"</s>", 2}, {"<unk>", 3}};
    int id = 4;
    for (const auto& c : roberta::tokenizer::byte_chars()) j[c] = id++;
    j["Ġt"] = id++;
    j["Ġth"] = id++;
    return j.dump();
  }();
  return json;
}

const std::string kMerges = "#version: 0.2\nĠ t\nĠt h\n";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string dir = roberta::fuzz::scratch_dir();
  const bool fuzz_vocab = (data[0] & 1) == 0;
  if (fuzz_vocab) {
    roberta::fuzz::write_file(dir + "/vocab.json", data + 1, size - 1);
    roberta::fuzz::write_file(dir + "/merges.txt", kMerges);
  } else {
    roberta::fuzz::write_file(dir + "/vocab.json", valid_vocab_json());
    roberta::fuzz::write_file(dir + "/merges.txt", data + 1, size - 1);
  }
  try {
    auto tok = roberta::tokenizer::Tokenizer::load(dir);
    const auto ids = tok.encode("the theme, \xff then");
    for (int32_t id : ids) {
      if (id < 0 || id >= tok.vocab_size()) std::abort();
    }
  } catch (const roberta::Error&) {
    // the expected outcome for a bad file
  }
  return 0;
}
