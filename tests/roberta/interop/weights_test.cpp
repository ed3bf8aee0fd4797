// save_weights / load_weights: round trip, and mismatches reported all at once.
#include <unistd.h>

#include <cstdio>

#include "roberta/interop/safetensors.h"
#include "roberta/interop/weights.h"
#include "roberta/model/task_models.h"
#include "util/error.h"

#include "tests/catch.h"

using namespace roberta;

namespace {

ModelOptions small_options() {
  ModelOptions o;
  o.layers = 2;
  o.hidden = 16;
  o.heads = 2;
  o.ffn = 32;
  o.vocab_size = 40;
  o.max_positions = 12;
  return o;
}

std::string temp_path(const std::string& name) {
  return fmt::format("{}/roberta_w_{}_{}", P_tmpdir, ::getpid(), name);
}

}  // namespace

TEST_CASE("weights round trip through safetensors", "[interop]") {
  at::manual_seed(5);
  RobertaForMaskedLM a(small_options());
  at::manual_seed(6);
  RobertaForMaskedLM b(small_options());
  std::string path = temp_path("rt.safetensors");
  save_weights(*a, path, {/*with_tied_decoder=*/true, {{"format", "pt"}}});
  CHECK(read_safetensors(path).find(kTiedDecoderName).defined());
  LoadWeightsReport report = load_weights(*b, path);
  CHECK(report.loaded.size() == a->named_parameters().size());
  for (const auto& p : a->named_parameters()) {
    INFO(p.key());
    CHECK(p.value().equal(b->named_parameters()[p.key()]));
  }
  std::remove(path.c_str());
}

TEST_CASE("F16 and BF16 weights load into F32 parameters", "[interop]") {
  RobertaForMaskedLM a(small_options());
  std::vector<std::pair<std::string, at::Tensor>> half;
  for (const auto& p : a->named_parameters()) half.emplace_back(p.key(), p.value().to(at::kBFloat16));
  std::string path = temp_path("bf16.safetensors");
  write_safetensors(path, half);
  RobertaForMaskedLM b(small_options());
  load_weights(*b, path);
  at::Tensor w = b->named_parameters()["lm_head.dense.weight"];
  CHECK(w.scalar_type() == at::kFloat);
  CHECK(w.equal(a->named_parameters()["lm_head.dense.weight"].to(at::kBFloat16).to(at::kFloat)));
  std::remove(path.c_str());
}

TEST_CASE("a shape mismatch lists every mismatching tensor, missing and unexpected names", "[interop]") {
  ModelOptions wide = small_options();
  wide.hidden = 24;
  wide.heads = 3;
  RobertaForMaskedLM a(wide);
  std::string path = temp_path("wide.safetensors");
  save_weights(*a, path);
  RobertaForMaskedLM b(small_options());
  at::Tensor before = b->named_parameters()["lm_head.bias"].clone();
  try {
    load_weights(*b, path);
    FAIL("expected an error");
  } catch (const Error& e) {
    std::string m = e.what();
    INFO(m);
    CHECK(m.find(path) != std::string::npos);
    CHECK(m.find("roberta.embeddings.word_embeddings.weight: expected [40, 16], found [40, 24]") != std::string::npos);
    CHECK(m.find("roberta.encoder.layer.1.output.dense.weight: expected [16, 32], found [24, 32]") !=
          std::string::npos);
    CHECK(m.find("lm_head.dense.weight") != std::string::npos);
  }
  CHECK(b->named_parameters()["lm_head.bias"].equal(before));  // untouched: nothing loaded on error

  // An MLM checkpoint into a classifier: lm_head.* unexpected, classifier.* missing.
  RobertaForMaskedLM mlm(small_options());
  save_weights(*mlm, path);
  RobertaForSequenceClassification cls(small_options(), 2);
  try {
    load_weights(*cls, path);
    FAIL("expected an error");
  } catch (const Error& e) {
    std::string m = e.what();
    CHECK(m.find("missing from the file:\n  classifier.dense.bias") != std::string::npos);
    CHECK(m.find("unexpected tensor(s) in the file, not in the model:\n  lm_head.bias") != std::string::npos);
  }
  LoadWeightsReport report = load_weights(*cls, path, {/*allow_missing=*/true, /*allow_unexpected=*/true});
  CHECK(report.missing.size() == 4);
  CHECK(report.unexpected.size() == 5);
  CHECK(cls->named_parameters()[kWordEmbeddingsName].equal(mlm->named_parameters()[kWordEmbeddingsName]));
  std::remove(path.c_str());
}
