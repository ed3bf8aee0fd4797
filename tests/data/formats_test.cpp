// Invariants of the four input formats, checked against the synthetic corpus's truth.
#include "tests/catch.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "data/formats/plan_cache.h"
#include "data/formats/sample_plan.h"
#include "tests/data/synthetic.h"

using namespace roberta::data;

namespace {

struct Truth {
  std::vector<std::vector<int32_t>> sentences;  // by global sentence number
  std::vector<uint64_t> doc_of;                 // document of each sentence
};

Truth truth_of(const testing::SyntheticCorpus& c) {
  Truth t;
  for (size_t d = 0; d < c.documents.size(); ++d) {
    for (const auto& s : c.documents[d]) {
      t.sentences.push_back(s);
      t.doc_of.push_back(d);
    }
  }
  return t;
}

// Tokens of a piece range as the format must lay them out (extra </s> at document changes).
std::vector<int32_t> expected_segment(const SamplePlan& plan, const Truth& t, uint64_t b, uint64_t e) {
  std::vector<int32_t> out;
  for (uint64_t p = b; p < e; ++p) {
    const Piece& piece = plan.pieces[p];
    if (p > b && plan.pieces[p - 1].document != piece.document) out.push_back(2);
    const auto& s = t.sentences[piece.sentence];
    out.insert(out.end(), s.begin() + piece.begin, s.begin() + piece.begin + piece.length);
  }
  return out;
}

void check_pieces(const SamplePlan& plan, const Truth& t, int64_t limit) {
  // pieces tile every sentence in order; a sentence is cut only if longer than the limit
  uint64_t p = 0;
  for (uint64_t s = 0; s < t.sentences.size(); ++s) {
    uint64_t covered = 0;
    while (p < plan.pieces.size() && plan.pieces[p].sentence == s) {
      REQUIRE(plan.pieces[p].begin == covered);
      REQUIRE(plan.pieces[p].document == t.doc_of[s]);
      covered += plan.pieces[p].length;
      ++p;
    }
    REQUIRE(covered == t.sentences[s].size());
    if (t.sentences[s].size() <= static_cast<size_t>(limit)) {
      REQUIRE(plan.pieces[p - 1].begin == 0);  // one piece: not split
    }
  }
  REQUIRE(p == plan.pieces.size());
}

}  // namespace

// The pieces of the truth, as global token ranges: each sentence cut at the limit.
struct TruthPiece {
  uint64_t begin, length, document;
};

std::vector<TruthPiece> truth_pieces(const Truth& t, uint64_t limit) {
  std::vector<TruthPiece> out;
  uint64_t token = 0;
  for (size_t s = 0; s < t.sentences.size(); ++s) {
    const uint64_t length = t.sentences[s].size();
    for (uint64_t b = 0; b < length; b += limit) out.push_back({token + b, std::min(limit, length - b), t.doc_of[s]});
    token += length;
  }
  return out;
}

TEST_CASE("FULL-SENTENCES and DOC-SENTENCES pack whole sentences up to seq_len", "[data][formats]") {
  // sentences 1..40 tokens, some longer than the 30-token piece limit of seq_len 32; 512-token
  // shards so that samples also cross shard boundaries
  auto corpus = testing::make_corpus("packed", 60, 1, 8, 1, 40, 1000, 512);
  auto ds = Dataset::open(corpus.dir);
  REQUIRE(ds->num_shards() > 3);
  const Truth t = truth_of(corpus);
  std::vector<int32_t> stream;  // the truth's tokens end to end
  for (const auto& sentence : t.sentences) stream.insert(stream.end(), sentence.begin(), sentence.end());
  const auto pieces = truth_pieces(t, 30);
  std::map<uint64_t, size_t> piece_at;  // global token offset -> piece starting there
  for (size_t p = 0; p < pieces.size(); ++p) piece_at[pieces[p].begin] = p;
  for (auto format : {InputFormat::full_sentences, InputFormat::doc_sentences}) {
    FormatOptions o;
    o.format = format;
    o.seq_len = 32;
    SamplePlan plan = make_plan(*ds, o, 1);
    REQUIRE(plan.packed());
    REQUIRE(plan.pieces.empty());  // nothing per sentence
    uint64_t next = 0;
    std::vector<int32_t> tokens;
    for (uint64_t i = 0; i < plan.samples.size(); ++i) {
      const Sample& s = plan.samples[i];
      INFO("sample " << i << ": tokens " << s.a_begin << ".." << s.a_end);
      REQUIRE(s.a_begin == next);  // samples tile the token stream in order: no loss, no overlap
      next = s.a_end;
      REQUIRE(s.b_begin == s.b_end);
      REQUIRE(s.nsp == -1);
      // a sample starts and ends at piece boundaries
      REQUIRE(piece_at.count(s.a_begin) == 1);
      REQUIRE((s.a_end == stream.size() || piece_at.count(s.a_end) == 1));
      const size_t first = piece_at[s.a_begin];
      const size_t last = s.a_end == stream.size() ? pieces.size() : piece_at[s.a_end];
      std::vector<int32_t> expected{0};
      for (size_t p = first; p < last; ++p) {
        if (p > first && pieces[p].document != pieces[p - 1].document) expected.push_back(2);
        expected.insert(expected.end(), stream.begin() + static_cast<std::ptrdiff_t>(pieces[p].begin),
                        stream.begin() + static_cast<std::ptrdiff_t>(pieces[p].begin + pieces[p].length));
      }
      expected.push_back(2);
      materialize(*ds, plan, i, tokens);
      REQUIRE(tokens == expected);
      REQUIRE(tokens.size() == s.length);
      REQUIRE(tokens.size() <= 32);
      if (format == InputFormat::doc_sentences) REQUIRE(pieces[first].document == pieces[last - 1].document);
      // greedy packing: the next piece (plus a separator if it changes document) did not fit
      if (last < pieces.size()) {
        const bool crosses = pieces[last].document != pieces[last - 1].document;
        if (format == InputFormat::full_sentences || !crosses) {
          REQUIRE(s.length + pieces[last].length + (crosses ? 1 : 0) > 32);
        }
      }
    }
    REQUIRE(next == stream.size());
  }
}

TEST_CASE("pair formats: layout, next/random segments, balanced NSP labels", "[data][formats]") {
  // Equal sentence lengths (6) and seq_len 64: budget 60 = 10 pieces per chunk, so no
  // document (>= 2 sentences) ever forces a random label and labels are Bernoulli(0.5).
  auto corpus = testing::make_corpus("pairs", 700, 2, 30, 6, 6);
  auto ds = Dataset::open(corpus.dir);
  const Truth t = truth_of(corpus);
  for (auto format : {InputFormat::segment_pair, InputFormat::sentence_pair}) {
    FormatOptions o;
    o.format = format;
    o.seq_len = 64;
    SamplePlan plan = make_plan(*ds, o, 11);
    REQUIRE(plan.has_nsp());
    check_pieces(plan, t, (o.seq_len - 4) / 2);
    uint64_t random = 0;
    std::vector<int32_t> tokens;
    std::set<uint64_t> a_pieces;
    for (uint64_t i = 0; i < plan.samples.size(); ++i) {
      const Sample& s = plan.samples[i];
      materialize(*ds, plan, i, tokens);
      REQUIRE(tokens.size() == s.length);
      REQUIRE(tokens.size() <= 64);
      std::vector<int32_t> expected{0};
      auto a = expected_segment(plan, t, s.a_begin, s.a_end);
      auto b = expected_segment(plan, t, s.b_begin, s.b_end);
      expected.insert(expected.end(), a.begin(), a.end());
      expected.insert(expected.end(), {2, 2});
      expected.insert(expected.end(), b.begin(), b.end());
      expected.push_back(2);
      REQUIRE(tokens == expected);
      // each segment stays inside one document
      REQUIRE(plan.pieces[s.a_begin].document == plan.pieces[s.a_end - 1].document);
      REQUIRE(plan.pieces[s.b_begin].document == plan.pieces[s.b_end - 1].document);
      if (s.nsp == 0) {
        REQUIRE(s.b_begin == s.a_end);  // B continues A
        REQUIRE(plan.pieces[s.b_begin].document == plan.pieces[s.a_begin].document);
      } else {
        REQUIRE(s.nsp == 1);
        REQUIRE(plan.pieces[s.b_begin].document != plan.pieces[s.a_begin].document);
        ++random;
      }
      if (format == InputFormat::sentence_pair) {
        REQUIRE(s.a_end - s.a_begin == 1);
        REQUIRE(s.b_end - s.b_begin == 1);
      }
      for (uint64_t p = s.a_begin; p < s.a_end; ++p) a_pieces.insert(p);
      if (format == InputFormat::segment_pair && s.nsp == 0) {
        for (uint64_t p = s.b_begin; p < s.b_end; ++p) a_pieces.insert(p);
      }
    }
    // Binomial(n, 0.5): the random count lies within 4 sigma of n/2 (fails with p < 1e-4).
    const double n = static_cast<double>(plan.samples.size());
    INFO("samples " << n << ", random " << random);
    REQUIRE(n > 1000);
    CHECK(std::abs(double(random) - n / 2) < 4 * std::sqrt(n * 0.25));
    // sentence pairs: every piece with a successor is an A; segment pairs: every piece is in
    // an A or in a following B (no loss)
    uint64_t startable = 0;
    for (uint64_t d = 0; d + 1 < plan.doc_piece_begin.size(); ++d) {
      startable += plan.doc_piece_begin[d + 1] - plan.doc_piece_begin[d] - (format == InputFormat::sentence_pair ? 1 : 0);
    }
    if (format == InputFormat::sentence_pair) CHECK(a_pieces.size() == startable);
    if (format == InputFormat::segment_pair) CHECK(a_pieces.size() == plan.pieces.size());
  }
}

TEST_CASE("pair formats need two documents", "[data][formats]") {
  auto corpus = testing::make_corpus("one_doc", 1, 5, 5, 4, 4);
  auto ds = Dataset::open(corpus.dir);
  FormatOptions o;
  o.format = InputFormat::sentence_pair;
  o.seq_len = 64;
  o.nsp_random_prob = 1.0;
  CHECK_THROWS_WITH(make_plan(*ds, o, 1), Catch::Matchers::ContainsSubstring("two documents"));
}

TEST_CASE("plan cache: single formats map the plan written by the first start, a stale one is rebuilt, a damaged record is an error", "[data][formats]") {
  auto corpus = testing::make_corpus("plan_cache", 40, 1, 8, 1, 40, 1000, 512);
  auto ds = Dataset::open(corpus.dir);
  auto same_samples = [](const Samples& a, const std::vector<Sample>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < b.size(); ++i) {
      if (std::memcmp(&a[i], &b[i], sizeof(Sample)) != 0) return false;
    }
    return true;
  };
  for (auto format : {InputFormat::full_sentences, InputFormat::doc_sentences}) {
    FormatOptions o;
    o.format = format;
    o.seq_len = 32;
    const std::string path = plan_cache_path(*ds, o);
    std::filesystem::remove(path);
    const SamplePlan built = make_plan(*ds, o, 1, PlanCache::off);
    REQUIRE_FALSE(std::filesystem::exists(path));
    const std::vector<Sample>& truth = built.samples.built();
    REQUIRE(truth.size() > 3);
    // the first start builds and writes the cache, the next one maps it
    const SamplePlan first = make_plan(*ds, o, 1);
    CHECK_FALSE(first.samples.mapped());
    CHECK(same_samples(first.samples, truth));
    REQUIRE(std::filesystem::exists(path));
    const SamplePlan second = make_plan(*ds, o, 1);
    CHECK(second.samples.mapped());
    CHECK(same_samples(second.samples, truth));
    // what is read is the file: a valid cache with other records comes back as they are
    std::vector<Sample> other(truth.begin(), truth.begin() + 3);
    REQUIRE(write_plan_cache(*ds, o, other));
    CHECK(same_samples(make_plan(*ds, o, 1).samples, other));
    REQUIRE(write_plan_cache(*ds, o, truth));
    // a damaged header or CRC table: the file is not used, the plan is rebuilt and rewritten
    auto flip = [&](std::streamoff at) {
      std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
      f.seekg(at);
      const char c = static_cast<char>(f.get());
      f.seekp(at);
      f.put(static_cast<char>(c ^ 0x10));
    };
    flip(64);  // the first block CRC
    Samples cached;
    CHECK_FALSE(read_plan_cache(*ds, o, cached));
    const SamplePlan rebuilt = make_plan(*ds, o, 1);
    CHECK_FALSE(rebuilt.samples.mapped());
    CHECK(same_samples(rebuilt.samples, truth));
    CHECK(read_plan_cache(*ds, o, cached));
    // a damaged record: the file still maps (records are checked when read), then reading the
    // block is an error naming the file, never a wrong sample
    flip(64 + 8 + 8);  // one CRC (padded to 8 bytes), then a byte of the first record
    const SamplePlan damaged = make_plan(*ds, o, 1);
    REQUIRE(damaged.samples.mapped());
    CHECK_THROWS_WITH(damaged.samples[0], Catch::Matchers::ContainsSubstring(path) &&
                                              Catch::Matchers::ContainsSubstring("corrupt sample plan block 0"));
    std::filesystem::remove(path);
    // another seq_len has a file of its own
    FormatOptions longer = o;
    longer.seq_len = 64;
    CHECK(plan_cache_path(*ds, longer) != path);
  }
  // a cache from another dataset's content is ignored: the file copied beside other shards
  FormatOptions o;
  o.seq_len = 32;
  make_plan(*ds, o, 1);
  auto other_corpus = testing::make_corpus("plan_cache_other", 40, 1, 8, 1, 40, 1000, 512, 99);
  auto other_ds = Dataset::open(other_corpus.dir);
  std::filesystem::create_directories(std::filesystem::path(plan_cache_path(*other_ds, o)).parent_path());
  std::filesystem::copy_file(plan_cache_path(*ds, o), plan_cache_path(*other_ds, o),
                             std::filesystem::copy_options::overwrite_existing);
  Samples cached;
  CHECK_FALSE(read_plan_cache(*other_ds, o, cached));
}
