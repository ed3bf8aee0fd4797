// `roberta tokenizer train|encode|decode`: train a byte-level BPE vocab on text files,
// turn text into ids (one line of space-separated ids per input line) and back.
#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "roberta/cli/command.h"
#include "tokenizer/batch_encode.h"
#include "tokenizer/bpe_trainer.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"
#include "util/progress.h"
#include "util/threads.h"

namespace roberta::cli {
namespace {

struct TokenizerArgs {
  // train
  std::vector<std::string> inputs;
  int32_t vocab_size = 50265;
  uint64_t min_frequency = 2;
  std::string output;
  // encode / decode
  std::string tokenizer_dir;
  std::string file;  // empty or "-": stdin
  bool special = false;
  bool skip_special = false;
  int threads = 0;
};

int run_train(const TokenizerArgs& args) {
  tokenizer::BpeTrainerOptions options;
  options.vocab_size = args.vocab_size;
  options.min_frequency = args.min_frequency;
  options.threads = args.threads;
  options.show_progress = true;
  tokenizer::BpeTrainer trainer(options);
  trainer.feed_files(args.inputs);
  tokenizer::Tokenizer t = trainer.train();
  t.save(args.output);
  fmt::print(stderr, "wrote {} tokens, {} merges to {}\n", t.vocab_size(), t.files().merges.size(), args.output);
  return 0;
}

// Reads the next block of whole lines (about block_bytes; more when a line is longer) into
// `block`; the unfinished last line waits in `carry` for the next call. False at the end.
bool read_block(std::FILE* in, size_t block_bytes, std::string& block, std::string& carry) {
  block.swap(carry);
  carry.clear();
  for (;;) {
    const size_t had = block.size();
    block.resize(had + block_bytes);
    const size_t got = std::fread(block.data() + had, 1, block_bytes, in);
    block.resize(had + got);
    if (got < block_bytes) {  // the end of the input (or an error, reported by the caller)
      return !block.empty();
    }
    const size_t nl = block.rfind('\n');
    if (nl != std::string::npos) {
      carry.assign(block, nl + 1, std::string::npos);
      block.resize(nl + 1);
      return true;
    }
  }
}

std::unique_ptr<std::istream> open_input(const std::string& file, uint64_t& size) {
  size = 0;
  if (file.empty() || file == "-") return std::make_unique<std::istream>(std::cin.rdbuf());
  auto in = std::make_unique<std::ifstream>(file, std::ios::binary);
  if (!*in) fail("{}: cannot open (expected a text file)", file);
  std::error_code ec;
  size = std::filesystem::file_size(file, ec);
  return in;
}

int run_encode(const TokenizerArgs& args) {
  auto t = tokenizer::Tokenizer::load(args.tokenizer_dir);
  const bool from_stdin = args.file.empty() || args.file == "-";
  const std::string name = from_stdin ? "<stdin>" : args.file;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(from_stdin ? stdin : std::fopen(args.file.c_str(), "rb"),
                                                       from_stdin ? [](std::FILE*) { return 0; } : std::fclose);
  if (!file) fail("{}: cannot open (expected a text file)", args.file);
  std::error_code ec;
  const uint64_t size = from_stdin ? 0 : std::filesystem::file_size(args.file, ec);
  // A progress bar only for runs long enough to want one (it always prints a summary line).
  std::unique_ptr<Progress> progress;
  if (size >= (64u << 20)) progress = std::make_unique<Progress>("encode", size, "MB");
  tokenizer::BatchEncodeOptions options;
  options.threads = args.threads;
  options.specials = args.special;
  if (progress) options.on_bytes = [&](uint64_t bytes) { progress->add(bytes); };
  std::string block, carry;
  while (read_block(file.get(), 16 << 20, block, carry)) {
    for (const std::string& part : tokenizer::encode_lines_to_text(t, block, options)) {
      if (std::fwrite(part.data(), 1, part.size(), stdout) != part.size()) {
        fail("encode: cannot write the ids to standard output ({})", std::strerror(errno));
      }
    }
  }
  if (std::ferror(file.get())) fail("{}: read error ({})", name, std::strerror(errno));
  if (std::fflush(stdout) != 0) fail("encode: cannot write the ids to standard output ({})", std::strerror(errno));
  if (progress) progress->finish();
  if (t.invalid_bytes_seen() > 0)
    fmt::print(stderr, "note: {} byte(s) of invalid UTF-8 were encoded as single-byte tokens (decode restores them)\n",
               t.invalid_bytes_seen());
  return 0;
}

int run_decode(const TokenizerArgs& args) {
  auto t = tokenizer::Tokenizer::load(args.tokenizer_dir);
  uint64_t size = 0;
  auto in = open_input(args.file, size);
  std::string line, name = args.file.empty() ? "<stdin>" : args.file;
  std::vector<int32_t> ids;
  for (int number = 1; std::getline(*in, line); ++number) {
    ids.clear();
    const char* p = line.data();
    const char* end = p + line.size();
    while (p < end) {
      while (p < end && (*p == ' ' || *p == '\t' || *p == '\r')) ++p;
      if (p == end) break;
      int32_t id = 0;
      auto [next, ec] = std::from_chars(p, end, id);
      if (ec != std::errc() || (next < end && *next != ' ' && *next != '\t' && *next != '\r'))
        fail("{}:{}: expected space-separated token ids, found {:?}", name, number, std::string(p, std::min<size_t>(20, end - p)));
      if (id < 0 || id >= t.vocab_size())
        fail("{}:{}: id {} out of range (expected 0..{})", name, number, id, t.vocab_size() - 1);
      ids.push_back(id);
      p = next;
    }
    std::string text = t.decode(ids, args.skip_special);
    text += '\n';
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
  return 0;
}

CommandRun setup_tokenizer(CLI::App& sub) {
  auto args = std::make_shared<TokenizerArgs>();
  sub.require_subcommand(1);
  auto* train = sub.add_subcommand("train", "train a byte-level BPE vocab (HF vocab.json + merges.txt)");
  train->add_option("--input", args->inputs, "text file(s) to train on")->required()->check(CLI::ExistingFile);
  train->add_option("--vocab-size", args->vocab_size, "vocab size, special tokens included")->capture_default_str();
  train->add_option("--min-frequency", args->min_frequency, "least count of a merged pair")->capture_default_str();
  train->add_option("--output", args->output, "directory to write vocab.json + merges.txt")->required();
  train->add_option("--threads", args->threads, "word counting threads (default: all cores)");

  auto* encode = sub.add_subcommand("encode", "text -> one line of space-separated ids per input line");
  encode->add_option("--tokenizer", args->tokenizer_dir, "directory with vocab.json + merges.txt")->required();
  encode->add_option("file", args->file, "input text (default: stdin)");
  encode->add_flag("--special", args->special, "add <s> ... </s> and read special-token strings such as <mask>");
  encode->add_option("--threads", args->threads, "encoding threads (default: all cores)");

  auto* decode = sub.add_subcommand("decode", "ids per line -> text per line");
  decode->add_option("--tokenizer", args->tokenizer_dir, "directory with vocab.json + merges.txt")->required();
  decode->add_option("file", args->file, "input ids (default: stdin)");
  decode->add_flag("--skip-special", args->skip_special, "leave special tokens (<s>, </s>, <mask>, ...) out of the text");

  return [args, train, encode]() -> int {
    if (train->parsed()) return run_train(*args);
    if (encode->parsed()) return run_encode(*args);
    return run_decode(*args);
  };
}

const RegisterCommand registered_tokenizer("tokenizer", "train a byte-level BPE tokenizer, encode text to ids, decode ids",
                          setup_tokenizer, 20);

}  // namespace
}  // namespace roberta::cli
