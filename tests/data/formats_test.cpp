// Invariants of the four input formats, checked against the synthetic corpus's truth.
#include "tests/catch.h"

#include <cmath>
#include <set>

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

TEST_CASE("FULL-SENTENCES and DOC-SENTENCES pack whole sentences up to seq_len", "[data][formats]") {
  // sentences 1..40 tokens, some longer than the 30-token piece limit of seq_len 32
  auto corpus = testing::make_corpus("packed", 60, 1, 8, 1, 40);
  auto ds = Dataset::open(corpus.dir);
  const Truth t = truth_of(corpus);
  for (auto format : {InputFormat::full_sentences, InputFormat::doc_sentences}) {
    FormatOptions o;
    o.format = format;
    o.seq_len = 32;
    SamplePlan plan = make_plan(*ds, o, 1);
    check_pieces(plan, t, o.seq_len - 2);
    uint64_t next_piece = 0;
    std::vector<int32_t> tokens;
    for (uint64_t i = 0; i < plan.samples.size(); ++i) {
      const Sample& s = plan.samples[i];
      REQUIRE(s.a_begin == next_piece);  // samples tile the pieces in order: no loss, no overlap
      next_piece = s.a_end;
      REQUIRE(s.b_begin == s.b_end);
      REQUIRE(s.nsp == -1);
      materialize(*ds, plan, i, tokens);
      REQUIRE(tokens.size() == s.length);
      REQUIRE(tokens.size() <= 32);
      std::vector<int32_t> expected{0};
      auto body = expected_segment(plan, t, s.a_begin, s.a_end);
      expected.insert(expected.end(), body.begin(), body.end());
      expected.push_back(2);
      REQUIRE(tokens == expected);
      if (format == InputFormat::doc_sentences) {
        REQUIRE(plan.pieces[s.a_begin].document == plan.pieces[s.a_end - 1].document);
      }
      // greedy packing: the next piece (plus a separator if it changes document) did not fit
      if (s.a_end < plan.pieces.size()) {
        const bool crosses = plan.pieces[s.a_end].document != plan.pieces[s.a_end - 1].document;
        if (format == InputFormat::full_sentences || !crosses) {
          REQUIRE(s.length + plan.pieces[s.a_end].length + (crosses ? 1 : 0) > 32);
        }
      }
    }
    REQUIRE(next_piece == plan.pieces.size());
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
