// `roberta tokenizer train|encode|decode`: train a byte-level BPE vocab on text files,
// turn text into ids (one line of space-separated ids per input line) and back.
#include <fmt/format.h>

#include <charconv>
#include <cstdio>
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

// Reads blocks of whole lines (about block_bytes each) from `in`.
bool read_block(std::istream& in, size_t block_bytes, std::string& block, std::string& carry) {
  block.swap(carry);
  carry.clear();
  std::string buffer(block_bytes, '\0');
  in.read(buffer.data(), std::streamsize(block_bytes));
  buffer.resize(size_t(in.gcount()));
  block += buffer;
  if (block.empty()) return false;
  if (in) {  // more to come: keep the unfinished last line for the next block
    size_t nl = block.rfind('\n');
    if (nl == std::string::npos) {
      carry.swap(block);
      return read_block(in, block_bytes, block, carry);
    }
    carry = block.substr(nl + 1);
    block.resize(nl + 1);
  }
  return true;
}

std::vector<std::string_view> split_lines(std::string_view block) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < block.size()) {
    size_t nl = block.find('\n', start);
    if (nl == std::string_view::npos) nl = block.size();
    lines.push_back(block.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
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
  uint64_t size = 0;
  auto in = open_input(args.file, size);
  // A progress bar only for runs long enough to want one (it always prints a summary line).
  std::unique_ptr<Progress> progress;
  if (size >= (64u << 20)) progress = std::make_unique<Progress>("encode", size, "MB");
  tokenizer::BatchEncodeOptions options;
  options.threads = args.threads;
  options.specials = args.special;
  if (progress) options.on_bytes = [&](uint64_t bytes) { progress->add(bytes); };
  std::string block, carry, out;
  while (read_block(*in, 16 << 20, block, carry)) {
    auto lines = split_lines(block);
    auto ids = tokenizer::encode_lines(t, lines, options);
    out.clear();
    for (const auto& line : ids) {
      for (size_t i = 0; i < line.size(); ++i) {
        if (i) out += ' ';
        char buf[16];
        auto end = std::to_chars(buf, buf + sizeof buf, line[i]).ptr;
        out.append(buf, end);
      }
      out += '\n';
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
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
