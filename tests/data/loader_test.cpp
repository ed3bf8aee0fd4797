// Loader contract: rank sharding, per-epoch shuffling, resume == uninterrupted, validation
// passes, token budgets, and the batch tensors' meaning.
#include "tests/catch.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <set>

#include "data/loader.h"
#include "tests/data/synthetic.h"
#include "util/error.h"

using namespace roberta::data;

namespace {

std::shared_ptr<const Dataset> small_dataset() {
  static auto corpus = testing::make_corpus("loader", 80, 1, 10, 1, 40);
  return Dataset::open(corpus.dir);
}

bool same(const Batch& a, const Batch& b) {
  return a.input_ids.equal(b.input_ids) && a.masked_positions.equal(b.masked_positions) &&
         a.masked_targets.equal(b.masked_targets) && a.num_tokens == b.num_tokens &&
         a.num_masked == b.num_masked && a.epoch == b.epoch &&
         a.nsp_labels.defined() == b.nsp_labels.defined() &&
         (!a.nsp_labels.defined() || a.nsp_labels.equal(b.nsp_labels));
}

FormatOptions format_of(InputFormat f) {
  FormatOptions o;
  o.format = f;
  o.seq_len = 48;
  return o;
}

}  // namespace

TEST_CASE("ranks split every epoch's samples without overlap or loss", "[data][loader]") {
  auto ds = small_dataset();
  for (auto split : {RankSplit::blocks, RankSplit::strided}) {
    for (auto format : {InputFormat::full_sentences, InputFormat::doc_sentences}) {
      for (int64_t world : {1, 2, 3, 4}) {
        std::vector<std::unique_ptr<Loader>> ranks;
        for (int64_t r = 0; r < world; ++r) {
          LoaderOptions o;
          o.rank = r;
          o.world_size = world;
          o.micro_batch = 4;
          o.rank_split = split;
          ranks.push_back(std::make_unique<Loader>(ds, format_of(format), MaskingOptions{}, o));
        }
        const size_t n = ranks[0]->plan().samples.size();
        for (int64_t epoch : {0, 1}) {
          std::vector<uint64_t> all;
          for (auto& loader : ranks) {
            auto plan = loader->epoch_plan(epoch);
            all.insert(all.end(), plan.samples.begin(), plan.samples.end());
            // rank counts differ by at most one
            CHECK(plan.samples.size() >= n / static_cast<size_t>(world));
            CHECK(plan.samples.size() <= n / static_cast<size_t>(world) + 1);
          }
          std::sort(all.begin(), all.end());
          REQUIRE(all.size() == n);
          for (size_t i = 0; i < n; ++i) REQUIRE(all[i] == i);
        }
        // each rank's part changes from epoch to epoch
        if (world > 1) CHECK(ranks[0]->epoch_plan(0).samples != ranks[0]->epoch_plan(1).samples);
      }
    }
  }
}

TEST_CASE("with one rank both splits give the same epochs", "[data][loader]") {
  auto ds = small_dataset();
  LoaderOptions blocks, strided;
  blocks.rank_split = RankSplit::blocks;
  strided.rank_split = RankSplit::strided;
  Loader a(ds, format_of(InputFormat::full_sentences), MaskingOptions{}, blocks);
  Loader b(ds, format_of(InputFormat::full_sentences), MaskingOptions{}, strided);
  for (int64_t epoch : {0, 3}) CHECK(a.epoch_plan(epoch).samples == b.epoch_plan(epoch).samples);
}

TEST_CASE("rank_split blocks: each of 2 ranks reads about half of the token blocks in an epoch", "[data][loader]") {
  // 256-byte blocks (128 tokens) so that a small corpus has hundreds of them. Each rank opens
  // the dataset itself, as separate processes do, so its count of blocks read is its own.
  static auto corpus = testing::make_corpus("rank_blocks", 400, 3, 12, 5, 40, 1000, 4096, 7, 256);
  auto fraction_read = [&](RankSplit split, int64_t rank, int64_t epoch) {
    auto ds = Dataset::open(corpus.dir);
    LoaderOptions o;
    o.rank = rank;
    o.world_size = 2;
    o.micro_batch = 4;
    o.prefetch = 1;  // the workers stay inside the first batches of epoch 0
    o.rank_split = split;
    Loader loader(ds, format_of(InputFormat::full_sentences), MaskingOptions{}, o);
    std::vector<int32_t> tokens;
    for (uint64_t sample : loader.epoch_plan(epoch).samples) materialize(*ds, loader.plan(), sample, tokens);
    const auto blocks = ds->blocks_read();
    REQUIRE(blocks.total > 400);
    return double(blocks.read) / double(blocks.total);
  };
  for (int64_t epoch : {0, 1}) {
    for (int64_t rank : {0, 1}) {
      const double blocks = fraction_read(RankSplit::blocks, rank, epoch);
      INFO("epoch " << epoch << " rank " << rank << ": blocks split reads " << blocks);
      // its half of the tokens, plus at most one shared block at each end of its runs
      CHECK(blocks >= 0.45);
      CHECK(blocks <= 0.6);
    }
  }
  // the strided split reads from nearly every block (about 3 samples per block here)
  const double strided = fraction_read(RankSplit::strided, 0, 0);
  INFO("strided split reads " << strided);
  CHECK(strided >= 0.8);
}

TEST_CASE("batches from the workers equal the plan, epochs reshuffle", "[data][loader]") {
  auto ds = small_dataset();
  LoaderOptions o;
  o.micro_batch = 5;
  o.workers = 3;
  o.prefetch = 4;
  Loader loader(ds, format_of(InputFormat::full_sentences), MaskingOptions{}, o);
  auto e0 = loader.epoch_plan(0), e1 = loader.epoch_plan(1);
  CHECK(e0.samples != e1.samples);
  for (int64_t epoch = 0; epoch < 2; ++epoch) {
    auto plan = loader.epoch_plan(epoch);
    for (int64_t b = 0; b < plan.num_batches(); ++b) {
      Batch got = loader.next();
      REQUIRE(got.epoch == epoch);
      REQUIRE(same(got, loader.build_batch(plan, b)));
    }
  }
  CHECK(loader.state().epoch == 2);
  CHECK(loader.state().batch == 0);
}

TEST_CASE("a restored loader yields exactly the batches of the uninterrupted run", "[data][loader]") {
  auto ds = small_dataset();
  for (auto format : {InputFormat::full_sentences, InputFormat::doc_sentences, InputFormat::segment_pair,
                      InputFormat::sentence_pair}) {
    LoaderOptions o;
    o.micro_batch = 4;
    o.workers = 2;
    o.seed = 123;
    Loader uninterrupted(ds, format_of(format), MaskingOptions{}, o);
    const int64_t per_epoch = uninterrupted.epoch_plan(0).num_batches();
    const int64_t cut = per_epoch - 2;  // resume close to an epoch boundary, then cross it
    for (int64_t i = 0; i < cut; ++i) uninterrupted.next();
    nlohmann::json saved = uninterrupted.state();
    std::vector<Batch> expected;
    for (int i = 0; i < 6; ++i) expected.push_back(uninterrupted.next());

    Loader resumed(ds, format_of(format), MaskingOptions{}, o);
    resumed.next();  // some unrelated progress first
    resumed.restore(saved.get<LoaderState>());
    for (int i = 0; i < 6; ++i) REQUIRE(same(resumed.next(), expected[static_cast<size_t>(i)]));
    // a state from another seed or world size is refused
    LoaderState other = saved.get<LoaderState>();
    other.world_size = 2;
    CHECK_THROWS_AS(resumed.restore(other), roberta::Error);
  }
}

TEST_CASE("validation: unshuffled, fixed masks, one finite pass", "[data][loader]") {
  auto ds = small_dataset();
  LoaderOptions o;
  o.micro_batch = 8;
  Loader loader(ds, format_of(InputFormat::doc_sentences), MaskingOptions{}, o, LoaderMode::validation);
  auto plan = loader.epoch_plan(0);
  // every sample once; the order (length-sorted windows) does not depend on the epoch
  auto sorted = plan.samples.to_vector();
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i) REQUIRE(sorted[i] == i);
  CHECK(loader.epoch_plan(1).samples == plan.samples);
  std::vector<Batch> first;
  Batch b;
  while (loader.next(b)) first.push_back(b);
  CHECK(static_cast<int64_t>(first.size()) == plan.num_batches());
  CHECK_FALSE(loader.next(b));
  CHECK_THROWS_AS(loader.next(), roberta::Error);
  loader.rewind();
  for (const auto& expected : first) REQUIRE(same(loader.next(), expected));
}

TEST_CASE("token-batched formats stay within the padded token budget", "[data][loader]") {
  auto ds = small_dataset();
  for (auto format : {InputFormat::doc_sentences, InputFormat::sentence_pair}) {
    LoaderOptions o;
    o.micro_batch = 4;  // budget 4 x 48 = 192 padded tokens; length-sorted windows of 256
    o.shuffle = false;  // keeps the batches in window order for the greedy check
    Loader loader(ds, format_of(format), MaskingOptions{}, o);
    auto plan = loader.epoch_plan(0);
    int64_t sequences = 0;
    for (int64_t i = 0; i < plan.num_batches(); ++i) {
      Batch batch = loader.next();
      REQUIRE(batch.input_ids.numel() <= 192);
      sequences += batch.num_sequences;
      // greedy: one more sample (of the same window) would have broken the budget
      if (i + 1 < plan.num_batches() && plan.batch_begin[i + 1] % 256 != 0) {
        const auto next_len = loader.plan().samples[plan.samples[plan.batch_begin[i + 1]]].length;
        REQUIRE((batch.num_sequences + 1) * std::max<int64_t>(batch.input_ids.size(1), next_len) > 192);
      }
    }
    CHECK(sequences == static_cast<int64_t>(plan.samples.size()));
  }
}

TEST_CASE("batch tensors: padding, flat masked positions and targets", "[data][loader]") {
  auto ds = small_dataset();
  LoaderOptions o;
  o.micro_batch = 6;
  Loader loader(ds, format_of(InputFormat::segment_pair), MaskingOptions{}, o);
  auto plan = loader.epoch_plan(0);
  Batch batch = loader.next();
  REQUIRE(batch.input_ids.dtype() == at::kLong);
  REQUIRE(batch.nsp_labels.defined());
  REQUIRE(batch.nsp_labels.size(0) == batch.num_sequences);
  const int64_t T = batch.input_ids.size(1);
  auto ids = batch.input_ids.flatten();
  std::vector<int32_t> tokens;
  int64_t real = 0;
  for (int64_t b = 0; b < batch.num_sequences; ++b) {
    const uint64_t sample = plan.samples[static_cast<size_t>(b)];
    materialize(*ds, loader.plan(), sample, tokens);
    real += static_cast<int64_t>(tokens.size());
    CHECK(batch.nsp_labels[b].item<int64_t>() == loader.plan().samples[sample].nsp);
    for (int64_t t = static_cast<int64_t>(tokens.size()); t < T; ++t) REQUIRE(ids[b * T + t].item<int64_t>() == 1);
  }
  CHECK(batch.num_tokens == real);
  // The model skips its attention mask, and the device sync of asking, on this flag.
  CHECK(batch.padded == batch.input_ids.eq(1).any().item<bool>());
  CHECK(batch.padded == (real < batch.num_sequences * T));
  REQUIRE(batch.masked_positions.size(0) == batch.num_masked);
  for (int64_t m = 0; m < batch.num_masked; ++m) {
    const int64_t flat = batch.masked_positions[m].item<int64_t>();
    const int64_t b = flat / T, t = flat % T;
    materialize(*ds, loader.plan(), plan.samples[static_cast<size_t>(b)], tokens);
    REQUIRE(t < static_cast<int64_t>(tokens.size()));
    REQUIRE(batch.masked_targets[m].item<int64_t>() == tokens[static_cast<size_t>(t)]);
  }
}

TEST_CASE("destroying a loader with a full queue does not hang", "[data][loader]") {
  auto ds = small_dataset();
  for (int i = 0; i < 5; ++i) {
    LoaderOptions o;
    o.workers = 4;
    o.prefetch = 2;
    Loader loader(ds, format_of(InputFormat::full_sentences), MaskingOptions{}, o);
    if (i % 2) loader.next();
  }
  SUCCEED();
}

TEST_CASE("token batching: shuffled epochs keep every sample once and differ", "[data][loader]") {
  auto ds = small_dataset();
  LoaderOptions o;
  o.micro_batch = 4;
  Loader loader(ds, format_of(InputFormat::sentence_pair), MaskingOptions{}, o);
  auto e0 = loader.epoch_plan(0), e1 = loader.epoch_plan(1);
  CHECK(e0.samples != e1.samples);
  for (auto* plan : {&e0, &e1}) {
    auto sorted = plan->samples.to_vector();
    std::sort(sorted.begin(), sorted.end());
    REQUIRE(sorted.size() == loader.plan().samples.size());
    for (size_t i = 0; i < sorted.size(); ++i) REQUIRE(sorted[i] == i);
  }
}

TEST_CASE("through the loader: static masks repeat every `copies` epochs, dynamic ones do not", "[data][loader]") {
  auto ds = small_dataset();
  LoaderOptions o;
  o.micro_batch = 8;
  o.shuffle = false;  // same sample order every epoch, so batches line up
  MaskingOptions fixed;
  fixed.dynamic = false;
  fixed.copies = 3;
  Loader stat(ds, format_of(InputFormat::full_sentences), fixed, o);
  Loader dyn(ds, format_of(InputFormat::full_sentences), MaskingOptions{}, o);
  for (int64_t b : {0, 2}) {
    CHECK(same(stat.build_batch(stat.epoch_plan(0), b), [&] { auto x = stat.build_batch(stat.epoch_plan(3), b); x.epoch = 0; return x; }()));
    CHECK_FALSE(stat.build_batch(stat.epoch_plan(0), b).input_ids.equal(stat.build_batch(stat.epoch_plan(1), b).input_ids));
    CHECK_FALSE(dyn.build_batch(dyn.epoch_plan(0), b).input_ids.equal(dyn.build_batch(dyn.epoch_plan(3), b).input_ids));
  }
}

TEST_CASE("collate: padded says whether any sequence is shorter than the batch", "[data][loader]") {
  MaskedSequence a, b;
  a.input_ids = {0, 7, 8, 2};
  b.input_ids = {0, 9, 10, 2};
  CHECK_FALSE(collate({a, b}, {}, 1).padded);
  b.input_ids = {0, 9, 2};
  Batch short_one = collate({a, b}, {}, 1);
  CHECK(short_one.padded);
  CHECK(short_one.input_ids.eq(1).sum().item<int64_t>() == 1);
}

TEST_CASE("an id outside the vocabulary stops the loader, naming the shard and the token", "[data][loader]") {
  // Shards written for 1000 ids, the manifest then claiming 500: ids 500..997 are out of range,
  // as in a corrupt shard or one made by another tokenizer. On a GPU such an id would surface as
  // a device-side assert in the loss, far from its file.
  auto corpus = testing::make_corpus("loader_oov", 20, 1, 5, 5, 20, 1000);
  const std::string manifest = corpus.dir + "/dataset.json";
  nlohmann::json j = nlohmann::json::parse(std::ifstream(manifest));
  j["special"]["vocab_size"] = 500;
  j["special"]["mask_id"] = 499;
  std::ofstream(manifest) << j.dump();
  auto ds = Dataset::open(corpus.dir);
  LoaderOptions o;
  o.micro_batch = 4;
  Loader loader(ds, format_of(InputFormat::full_sentences), MaskingOptions{}, o);
  CHECK_THROWS_WITH(loader.next(), Catch::Matchers::ContainsSubstring("shard-00000.bin") &&
                                       Catch::Matchers::ContainsSubstring("outside the vocabulary of 500 ids"));
}

TEST_CASE("the loader state records the rank split: a state of the other split is refused with several ranks", "[data][loader]") {
  auto ds = small_dataset();
  LoaderOptions o;
  o.micro_batch = 4;
  o.world_size = 2;
  o.rank = 1;
  o.rank_split = RankSplit::blocks;
  Loader blocks(ds, format_of(InputFormat::full_sentences), MaskingOptions{}, o);
  nlohmann::json saved = blocks.state();
  CHECK(saved.at("rank_split") == "blocks");
  CHECK(saved.get<LoaderState>().rank_split == RankSplit::blocks);
  // a state written before the key existed was strided
  nlohmann::json old = saved;
  old.erase("rank_split");
  CHECK(old.get<LoaderState>().rank_split == RankSplit::strided);
  CHECK_THROWS_WITH(blocks.restore(old.get<LoaderState>()),
                    Catch::Matchers::ContainsSubstring("data.rank_split strided") &&
                        Catch::Matchers::ContainsSubstring("blocks"));
  blocks.restore(saved.get<LoaderState>());  // its own split: fine
  // one rank: both splits are the same, any state restores
  LoaderOptions one;
  one.micro_batch = 4;
  Loader single(ds, format_of(InputFormat::full_sentences), MaskingOptions{}, one);
  nlohmann::json single_state = single.state();
  single_state.erase("rank_split");
  single.restore(single_state.get<LoaderState>());
  nlohmann::json bad = saved;
  bad["rank_split"] = "diagonal";
  CHECK_THROWS_WITH(bad.get<LoaderState>(), Catch::Matchers::ContainsSubstring("rank_split: expected blocks or strided"));
}
