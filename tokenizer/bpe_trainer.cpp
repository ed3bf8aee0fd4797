// The merge loop mirrors Hugging Face's (tokenizers/src/models/bpe/trainer.rs) in behaviour:
// a max-heap of (count, pair, words where the pair was seen); a popped entry whose count is
// stale is pushed back with the current count; after a merge the count changes of the
// touched words are applied and pairs that gained occurrences are queued with the words
// that gained them. Reproducing this structure (not just "most frequent pair") is what
// makes the merges identical, quirks included.
#include "tokenizer/bpe_trainer.h"

#include <algorithm>
#include <fstream>
#include <queue>
#include <sstream>
#include <thread>

#include "tokenizer/batch_encode.h"
#include "tokenizer/byte_table.h"
#include "tokenizer/pretokenizer.h"
#include "util/error.h"
#include "util/progress.h"
#include "util/threads.h"

namespace roberta::tokenizer {
namespace {

using Pair = uint64_t;  // left id << 32 | right id: compares like HF's (u32, u32) tuple
Pair make_pair(int32_t a, int32_t b) { return (uint64_t(uint32_t(a)) << 32) | uint32_t(b); }
int32_t left_of(Pair p) { return int32_t(p >> 32); }
int32_t right_of(Pair p) { return int32_t(p & 0xFFFFFFFFu); }

struct QueueEntry {
  int64_t count;
  Pair pair;
  std::vector<uint32_t> words;  // sorted, unique word indices
};

// Heap order: highest count first; at equal counts the smallest pair first.
struct EntryLess {
  bool operator()(const QueueEntry& x, const QueueEntry& y) const {
    if (x.count != y.count) return x.count < y.count;
    return x.pair > y.pair;
  }
};

struct Change {
  Pair pair;
  int32_t delta;
};

// Merges every (a, b) in `symbols` into `merged`, left to right, and records the pair count
// changes the way HF's Word::merge does.
void merge_word(std::vector<int32_t>& symbols, int32_t a, int32_t b, int32_t merged,
                std::vector<Change>& changes) {
  for (size_t i = 0; i < symbols.size(); ++i) {
    if (symbols[i] != a || i + 1 >= symbols.size() || symbols[i + 1] != b) continue;
    if (i > 0) {
      changes.push_back({make_pair(symbols[i - 1], a), -1});
      changes.push_back({make_pair(symbols[i - 1], merged), 1});
    }
    symbols[i] = merged;
    symbols.erase(symbols.begin() + i + 1);
    if (i + 1 < symbols.size()) {
      changes.push_back({make_pair(b, symbols[i + 1]), -1});
      changes.push_back({make_pair(merged, symbols[i + 1]), 1});
    }
  }
}

void count_lines(std::string_view text, std::unordered_map<std::string, uint64_t>& words) {
  const PreTokenizer& pre = PreTokenizer::gpt2();
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    pre.split(text.substr(start, end - start), [&](std::string_view piece) { ++words[std::string(piece)]; });
    start = end;
  }
}

}  // namespace

BpeTrainer::BpeTrainer(BpeTrainerOptions options) : options_(std::move(options)) {
  int32_t fixed = int32_t(256 + options_.special_tokens.size() + options_.special_tokens_last.size());
  if (options_.vocab_size < fixed)
    fail("tokenizer training: vocab size {} is too small (expected at least {}: 256 bytes + special tokens)",
         options_.vocab_size, fixed);
}

void BpeTrainer::feed_text(std::string_view text) {
  int threads = options_.threads > 0 ? options_.threads : hardware_threads();
  // Chunks end at line ends so that no line is split.
  std::vector<std::string_view> chunks;
  size_t target = std::max<size_t>(1 << 20, text.size() / (size_t(threads) * 4) + 1);
  for (size_t start = 0; start < text.size();) {
    size_t end = std::min(text.size(), start + target);
    if (end < text.size()) {
      size_t nl = text.find('\n', end);
      end = nl == std::string_view::npos ? text.size() : nl + 1;
    }
    chunks.push_back(text.substr(start, end - start));
    start = end;
  }
  std::vector<std::unordered_map<std::string, uint64_t>> partial(chunks.size());
  parallel_for(chunks.size(), threads, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) count_lines(chunks[i], partial[i]);
  });
  for (auto& part : partial)
    for (auto& [word, count] : part) words_[word] += count;
}

void BpeTrainer::feed_files(const std::vector<std::string>& paths) {
  for (const auto& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("{}: cannot open (expected a text file to train on)", path);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (options_.show_progress) fmt::print(stderr, "counting words in {}\n", path);
    feed_text(buffer.str());
  }
}

Tokenizer BpeTrainer::train() {
  VocabFiles files;
  std::unordered_map<std::string, int32_t> ids;
  auto add_token = [&](const std::string& token) {
    auto [it, inserted] = ids.emplace(token, int32_t(files.tokens.size()));
    if (inserted) files.tokens.push_back(token);
    return it->second;
  };
  for (const auto& special : options_.special_tokens) add_token(special);
  // The alphabet in code point order, which is byte_char_rank order.
  std::array<int32_t, 256> byte_ids{};
  {
    std::array<int, 256> by_rank{};
    for (int b = 0; b < 256; ++b) by_rank[byte_char_rank()[b]] = b;
    for (int r = 0; r < 256; ++r) byte_ids[by_rank[r]] = add_token(byte_chars()[by_rank[r]]);
  }

  // Words as symbol sequences; a deterministic order (sorted) keeps everything reproducible.
  std::vector<const std::pair<const std::string, uint64_t>*> sorted;
  sorted.reserve(words_.size());
  for (const auto& entry : words_) sorted.push_back(&entry);
  std::sort(sorted.begin(), sorted.end(), [](auto* x, auto* y) { return x->first < y->first; });
  std::vector<std::vector<int32_t>> words(sorted.size());
  std::vector<int64_t> counts(sorted.size());
  for (size_t w = 0; w < sorted.size(); ++w) {
    for (unsigned char b : sorted[w]->first) words[w].push_back(byte_ids[b]);
    counts[w] = int64_t(sorted[w]->second);
  }

  std::unordered_map<Pair, int64_t> pair_counts;
  std::unordered_map<Pair, std::vector<uint32_t>> where;
  for (size_t w = 0; w < words.size(); ++w) {
    for (size_t i = 0; i + 1 < words[w].size(); ++i) {
      Pair p = make_pair(words[w][i], words[w][i + 1]);
      pair_counts[p] += counts[w];
      auto& list = where[p];
      if (list.empty() || list.back() != w) list.push_back(uint32_t(w));
    }
  }
  std::priority_queue<QueueEntry, std::vector<QueueEntry>, EntryLess> queue;
  for (auto& [pair, list] : where) {
    int64_t count = pair_counts[pair];
    if (count > 0) queue.push({count, pair, std::move(list)});
  }
  where.clear();

  const size_t target = size_t(options_.vocab_size) - options_.special_tokens_last.size();
  std::unique_ptr<Progress> progress;
  if (options_.show_progress) progress = std::make_unique<Progress>("merges", target - files.tokens.size(), "merges");
  std::vector<Change> changes;
  while (files.tokens.size() < target && !queue.empty()) {
    QueueEntry top = queue.top();
    queue.pop();
    int64_t current = pair_counts[top.pair];
    if (top.count != current) {
      top.count = current;
      queue.push(std::move(top));
      continue;
    }
    if (top.count < 1 || options_.min_frequency > uint64_t(top.count)) break;
    int32_t a = left_of(top.pair), b = right_of(top.pair);
    std::string merged_text = files.tokens[a] + files.tokens[b];
    int32_t merged = add_token(merged_text);
    files.merges.push_back({files.tokens[a], files.tokens[b], 0});
    if (progress) progress->add(1);

    for (uint32_t w : top.words) {
      changes.clear();
      merge_word(words[w], a, b, merged, changes);
      for (const Change& c : changes) {
        pair_counts[c.pair] += int64_t(c.delta) * counts[w];
        if (c.delta > 0) {
          auto& list = where[c.pair];
          if (list.empty() || list.back() != w) list.push_back(w);
        }
      }
    }
    for (auto& [pair, list] : where) {
      int64_t count = pair_counts[pair];
      if (count > 0) queue.push({count, pair, std::move(list)});
    }
    where.clear();
  }
  if (progress) progress->finish();
  for (const auto& special : options_.special_tokens_last) add_token(special);
  return Tokenizer::from_files(std::move(files), "<trained>");
}

}  // namespace roberta::tokenizer
