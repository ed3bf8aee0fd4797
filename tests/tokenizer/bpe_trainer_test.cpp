// The trainer on a hand-worked corpus, and merge-for-merge against Hugging Face's trainer
// (tests/fixtures/tokenizer/train: GPL-3 text, merges from scripts/reference/train_reference.js).
#include "tests/catch.h"

#include <fstream>
#include <sstream>

#include "tests/tokenizer/fixtures.h"
#include "tokenizer/bpe_trainer.h"
#include "tokenizer/vocab_files.h"

using namespace roberta::tokenizer;

namespace {
std::vector<std::string> merge_lines(const VocabFiles& files) {
  std::vector<std::string> out;
  for (const auto& m : files.merges) out.push_back(m.left + " " + m.right);
  return out;
}
}  // namespace

TEST_CASE("trainer: hand-worked corpus, ties to the smallest pair ids", "[tokenizer][trainer]") {
  // Words: "ab" x1, " ab" x2, " cd" x1. Pairs: (a,b) 3, (Ġ,a) 2, (Ġ,c) 1, (c,d) 1.
  // Merge a+b (3); then Ġ+ab (2); then the tie at 1: 'c' (U+63) < 'Ġ' (U+120), so c+d first.
  BpeTrainerOptions options;
  options.vocab_size = 4 + 256 + 10 + 1;
  options.min_frequency = 1;
  options.threads = 2;
  BpeTrainer trainer(options);
  trainer.feed_text("ab ab ab cd");
  Tokenizer t = trainer.train();
  CHECK(merge_lines(t.files()) == std::vector<std::string>{"a b", "Ġ ab", "c d", "Ġ cd"});
  CHECK(t.vocab_size() == 4 + 256 + 4 + 1);
  CHECK(t.bos_id() == 0);
  CHECK(t.pad_id() == 1);
  CHECK(t.eos_id() == 2);
  CHECK(t.unk_id() == 3);
  CHECK(t.mask_id() == t.vocab_size() - 1);
  CHECK(t.id_to_token(4) == "!");      // alphabet in code point order after the specials
  CHECK(t.id_to_token(260) == "ab");
  CHECK(t.encode(" ab cd") == std::vector<int32_t>{261, 263});

  options.min_frequency = 2;  // the ties at count 1 are no longer merged
  BpeTrainer strict(options);
  strict.feed_text("ab ab ab cd");
  CHECK(merge_lines(strict.train().files()) == std::vector<std::string>{"a b", "Ġ ab"});
}

TEST_CASE("trainer: lines keep their newline, result independent of threads", "[tokenizer][trainer]") {
  std::string text = "one two\nthree two\n\nfour one two\n";
  BpeTrainerOptions options;
  options.vocab_size = 300;
  options.min_frequency = 1;
  options.threads = 1;
  BpeTrainer one(options);
  one.feed_text(text);
  CHECK(one.word_counts().at("\n") == 4);  // every line ends in its own "\n" word, the empty one too
  options.threads = 3;
  BpeTrainer three(options);
  three.feed_text(text);
  CHECK(merge_lines(one.train().files()) == merge_lines(three.train().files()));
}

TEST_CASE("trainer: same merges as Hugging Face on a real text", "[tokenizer][trainer][golden]") {
  std::ifstream in(testing::fixture_path("train/corpus.txt"), std::ios::binary);
  std::stringstream corpus;
  corpus << in.rdbuf();
  auto hf = read_merges_txt(testing::fixture_path("train/hf_merges.txt"));
  BpeTrainerOptions options;
  // HF's default trainer: min_frequency 0, runs until no pair is left.
  options.min_frequency = 0;
  options.vocab_size = int32_t(4 + 256 + hf.size() + 1);
  BpeTrainer trainer(options);
  trainer.feed_text(corpus.str());
  Tokenizer t = trainer.train();
  const auto& ours = t.files().merges;
  REQUIRE(ours.size() == hf.size());
  size_t first_difference = ours.size();
  for (size_t i = 0; i < ours.size(); ++i) {
    if (ours[i].left != hf[i].left || ours[i].right != hf[i].right) {
      first_difference = i;
      break;
    }
  }
  CHECK(first_difference == ours.size());
  // The trained tokenizer round-trips its own corpus.
  CHECK(t.decode(t.encode(corpus.str())) == corpus.str());
}
