// Preprocessing: corpus files -> tokenized binary shards (dataset.h), once per corpus.
// Streaming with bounded memory: documents are read in chunks of about chunk_bytes of text,
// each chunk is segmented and tokenized on `threads` threads, and written in input order, so
// the output depends only on the input and the tokenizer (byte-identical re-runs, whatever
// the thread count). Every sentence but a document's first is encoded with a leading space,
// as it would be inside running text.
//
// Resumable: the dataset is written into <output>.tmp and renamed when complete. Each time a
// shard is finished, <output>.tmp/progress.json records the shards done, their counts and where
// in which input the next document starts. A run that finds a progress file made from the same
// inputs (names and sizes), vocabulary and options continues from there instead of starting
// over; the result is byte-identical to an uninterrupted run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/shards.h"
#include "tokenizer/tokenizer.h"

namespace roberta::data {

struct PreprocessOptions {
  std::vector<std::string> inputs;     // corpus files (.jsonl/.json: JSONL, else plain text)
  std::string output;                  // dataset directory to write
  int64_t threads = 0;                 // tokenizing threads; 0 = all cores
  uint64_t chunk_bytes = 8ull << 20;   // text read and tokenized per parallel step
  uint64_t shard_tokens = 64ull << 20; // tokens per shard file (documents never split)
  uint64_t block_bytes = kShardBlockBytes;  // token bytes per CRC'd block (a multiple of 8; shards.h)
  bool line_is_sentence = false;       // true: each line is one sentence (no segmentation)
  bool progress = true;                // progress bar on stderr (MB/s, ETA)
  bool resume = true;                  // continue an interrupted run of the same job
  uint64_t stop_after_shards = 0;      // tests: fail once this many shards are done, as a kill would
};

struct PreprocessSummary {
  uint64_t documents = 0, sentences = 0, tokens = 0, bytes = 0;
  double seconds = 0;
  uint64_t resumed_shards = 0;         // shards an interrupted run had finished, kept
  uint64_t resumed_bytes = 0;          // input bytes those covered (not read again)
};

PreprocessSummary preprocess(const tokenizer::Tokenizer& tokenizer, const PreprocessOptions& options);

// Whether `output` holds a dataset made from exactly these inputs (paths and byte sizes)
// with this tokenizer's vocabulary size, so callers can skip preprocessing.
bool is_preprocessed(const tokenizer::Tokenizer& tokenizer, const PreprocessOptions& options);

}  // namespace roberta::data
