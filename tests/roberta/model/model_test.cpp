// The RoBERTa model against independent truths: docs/roberta.md's parameter counts, the
// position-id formula worked by hand, padding invariance, masking, gradient flow, HF names.
#include <ATen/core/grad_mode.h>
#include <set>
#include <string>

#include "roberta/model/task_models.h"

// Last: torch pulls in glog, whose CHECK macro must not replace Catch's.
#include "tests/catch.h"

using namespace roberta;

namespace {

ModelOptions base_options() { return ModelOptions{}; }

ModelOptions large_options() {
  ModelOptions o;
  o.layers = 24;
  o.hidden = 1024;
  o.heads = 16;
  o.ffn = 4096;
  return o;
}

ModelOptions small_options() {
  ModelOptions o;
  o.layers = 2;
  o.hidden = 32;
  o.heads = 4;
  o.ffn = 64;
  o.vocab_size = 50;
  o.max_positions = 16;
  return o;
}

// Parameter count from shapes, written out independently of the module code: per layer
// 4 (H x H + H) attention + 2 LayerNorms + FFN; embeddings; LM head (dense + LN + bias).
int64_t count_from_shapes(const ModelOptions& o, bool with_lm_head) {
  const int64_t h = o.hidden, f = o.ffn;
  int64_t layer = 4 * (h * h + h) + 2 * (2 * h) + (h * f + f) + (f * h + h);
  int64_t embeddings = o.vocab_size * h + (o.max_positions + 2) * h + h + 2 * h;
  int64_t lm_head = (h * h + h) + 2 * h + o.vocab_size;
  return embeddings + o.layers * layer + (with_lm_head ? lm_head : 0);
}

}  // namespace

TEST_CASE("parameter counts of the presets equal docs/roberta.md's", "[model]") {
  // Counting from shapes alone; building the full models would allocate 2 GB.
  CHECK(count_from_shapes(base_options(), true) == 124697433);
  CHECK(count_from_shapes(large_options(), true) == 355412057);
  CHECK(count_from_shapes(base_options(), false) == 124055040);
  CHECK(count_from_shapes(large_options(), false) == 354310144);

  // The module itself for a shape large enough to exercise every term.
  ModelOptions tiny;
  tiny.layers = 4;
  tiny.hidden = 256;
  tiny.heads = 4;
  tiny.ffn = 1024;
  RobertaForMaskedLM model(tiny);
  CHECK(count_parameters(*model) == count_from_shapes(tiny, true));
  CHECK(count_parameters(*model->roberta) == count_from_shapes(tiny, false));
}

TEST_CASE("roberta-base masked-LM module has 124,697,433 parameters", "[model][slow]") {
  RobertaForMaskedLM model(base_options());
  CHECK(count_parameters(*model) == 124697433);
}

TEST_CASE("parameter names are Hugging Face's state-dict names", "[model]") {
  RobertaForMaskedLM model(small_options());
  std::set<std::string> names;
  for (const auto& p : model->named_parameters()) names.insert(p.key());
  for (const char* expected :
       {"roberta.embeddings.word_embeddings.weight", "roberta.embeddings.position_embeddings.weight",
        "roberta.embeddings.token_type_embeddings.weight", "roberta.embeddings.LayerNorm.weight",
        "roberta.embeddings.LayerNorm.bias", "roberta.encoder.layer.0.attention.self.query.weight",
        "roberta.encoder.layer.0.attention.self.key.bias", "roberta.encoder.layer.1.attention.self.value.weight",
        "roberta.encoder.layer.1.attention.output.dense.weight",
        "roberta.encoder.layer.1.attention.output.LayerNorm.bias", "roberta.encoder.layer.0.intermediate.dense.weight",
        "roberta.encoder.layer.0.output.dense.bias", "roberta.encoder.layer.0.output.LayerNorm.weight",
        "lm_head.dense.weight", "lm_head.dense.bias", "lm_head.layer_norm.weight", "lm_head.layer_norm.bias",
        "lm_head.bias"}) {
    INFO(expected);
    CHECK(names.count(expected) == 1);
  }
  CHECK(names.count("lm_head.decoder.weight") == 0);  // tied, not a parameter of its own
  CHECK(names.size() == 5 + 2 * 16 + 5);
  CHECK(model->named_parameters()["roberta.embeddings.position_embeddings.weight"].size(0) == 18);

  RobertaForSequenceClassification cls(small_options(), 3);
  auto cls_params = cls->named_parameters();
  CHECK(cls_params.contains("classifier.dense.weight"));
  CHECK(cls_params["classifier.out_proj.weight"].sizes() == at::IntArrayRef({3, 32}));
  RobertaForTokenClassification tok(small_options(), 5);
  auto tok_params = tok->named_parameters();
  CHECK(tok_params["classifier.weight"].sizes() == at::IntArrayRef({5, 32}));
  CHECK(tok_params.contains("classifier.bias"));
}

TEST_CASE("initialisation: N(0, 0.02), zero biases and padding rows, LayerNorm 1", "[model]") {
  ModelOptions o = small_options();
  o.vocab_size = 2000;  // enough samples for the statistics below
  RobertaForMaskedLM model(o);
  auto params = model->named_parameters();
  at::Tensor word = params["roberta.embeddings.word_embeddings.weight"];
  CHECK(word[1].abs().max().item<float>() == 0.0f);
  CHECK(params["roberta.embeddings.position_embeddings.weight"][1].abs().max().item<float>() == 0.0f);
  // 64000 samples of N(0, 0.02): std within 2% and mean within 5 sigma/sqrt(n) ~ 4e-4.
  CHECK(word.std().item<double>() == Approx(0.02).epsilon(0.02));
  CHECK(std::abs(word.mean().item<double>()) < 4e-4);
  CHECK(params["roberta.encoder.layer.0.attention.self.query.bias"].abs().max().item<float>() == 0.0f);
  CHECK(params["lm_head.bias"].abs().max().item<float>() == 0.0f);
  CHECK(params["lm_head.layer_norm.weight"].eq(1).all().item<bool>());
  CHECK(params["roberta.encoder.layer.1.output.LayerNorm.bias"].abs().max().item<float>() == 0.0f);
}

TEST_CASE("position ids follow cumsum(tok != pad) * (tok != pad) + pad", "[model]") {
  // Worked by hand: pad = 1; first real token gets 2; pads get 1 wherever they are.
  at::Tensor ids = at::tensor({0, 5, 6, 2, 1, 1, 1, 0, 7, 2, 1, 1}, at::kLong).view({2, 6});
  at::Tensor expected = at::tensor({2, 3, 4, 5, 1, 1, 1, 2, 3, 4, 1, 1}, at::kLong).view({2, 6});
  CHECK(position_ids_from_input_ids(ids, 1).equal(expected));
  // Left padding: real tokens still count from 2.
  at::Tensor left = at::tensor({1, 1, 0, 9, 2}, at::kLong).view({1, 5});
  CHECK(position_ids_from_input_ids(left, 1).equal(at::tensor({1, 1, 2, 3, 4}, at::kLong).view({1, 5})));
}

TEST_CASE("attention mask is 0 on real keys and very negative on pads", "[model]") {
  at::Tensor ids = at::tensor({0, 5, 1, 1}, at::kLong).view({1, 4});
  at::Tensor mask = attention_mask_from_input_ids(ids, 1);
  REQUIRE(mask.sizes() == at::IntArrayRef({1, 1, 1, 4}));
  CHECK(mask[0][0][0][0].item<float>() == 0.0f);
  CHECK(mask[0][0][0][1].item<float>() == 0.0f);
  CHECK(mask[0][0][0][2].item<float>() < -1e30f);
  CHECK(mask[0][0][0][3].item<float>() < -1e30f);
}

TEST_CASE("padding invariance: pads change neither real positions' outputs nor logits", "[model]") {
  at::manual_seed(1);
  RobertaForMaskedLM model(small_options());
  model->eval();
  at::NoGradGuard no_grad;
  at::Tensor ids = at::tensor({0, 7, 8, 9, 10, 2}, at::kLong).view({1, 6});
  at::Tensor padded = at::tensor({0, 7, 8, 9, 10, 2, 1, 1, 1}, at::kLong).view({1, 9});
  at::Tensor a = model->forward(ids);                                      // [1,6,V]
  at::Tensor b = model->forward(padded).narrow(1, 0, 6);                   // [1,6,V]
  CHECK(at::allclose(a, b, 1e-5, 1e-5));
  // Also in a batch next to a longer sequence: a row's output depends on that row only.
  at::Tensor batch = at::tensor({0, 7, 8, 9, 10, 2, 1, 1, 0, 11, 12, 13, 14, 15, 16, 2}, at::kLong).view({2, 8});
  at::Tensor c = model->forward(batch)[0].narrow(0, 0, 6);  // [6,V]
  CHECK(at::allclose(a[0], c, 1e-5, 1e-5));
}

TEST_CASE("the attention mask hides padded keys (changing a pad's embedding has no effect)", "[model]") {
  at::manual_seed(2);
  RobertaForMaskedLM model(small_options());
  model->eval();
  at::NoGradGuard no_grad;
  at::Tensor ids = at::tensor({0, 7, 8, 2, 1, 1}, at::kLong).view({1, 6});
  // Hidden states, not logits: the tied decoder would show the changed row in logit 1.
  at::Tensor before = model->roberta->forward(ids).narrow(1, 0, 4);  // [1,4,H]
  // If pads were attended to, changing the pad embedding row would move the real outputs.
  model->roberta->embeddings->word_embeddings->weight[1].normal_(0.0, 1.0);
  at::Tensor after = model->roberta->forward(ids).narrow(1, 0, 4);
  CHECK(at::allclose(before, after, 1e-6, 1e-6));
  // Control: changing a real token's row does move them.
  model->roberta->embeddings->word_embeddings->weight[7].normal_(0.0, 1.0);
  CHECK_FALSE(at::allclose(before, model->roberta->forward(ids).narrow(1, 0, 4), 1e-3, 1e-3));
}

TEST_CASE("masked positions select rows of the full logits, eval mode is deterministic", "[model]") {
  at::manual_seed(3);
  RobertaForMaskedLM model(small_options());
  model->eval();
  at::NoGradGuard no_grad;
  at::Tensor ids = at::randint(3, 50, {3, 7}, at::kLong);
  at::Tensor all = model->forward(ids);  // [3,7,V]
  at::Tensor positions = at::tensor({0, 8, 20}, at::kLong);
  at::Tensor some = model->forward(ids, positions);  // [3,V]
  REQUIRE(some.sizes() == at::IntArrayRef({3, 50}));
  CHECK(at::allclose(some[0], all[0][0], 1e-5, 1e-6));
  CHECK(at::allclose(some[1], all[1][1], 1e-5, 1e-6));
  CHECK(at::allclose(some[2], all[2][6], 1e-5, 1e-6));
  CHECK(model->forward(ids).equal(all));  // no dropout in eval()
  model->train();
  CHECK_FALSE(model->forward(ids).equal(all));  // dropout on in train()
}

TEST_CASE("every parameter receives a gradient", "[model]") {
  ModelOptions o = small_options();
  o.nsp_head = true;
  at::manual_seed(4);
  RobertaForMaskedLM model(o);
  at::Tensor ids = at::randint(3, 50, {2, 8}, at::kLong);
  ids[1][6] = 1;
  ids[1][7] = 1;
  MaskedLMOutput out = model->forward_with_nsp(ids, at::tensor({1, 3, 9}, at::kLong));
  REQUIRE(out.nsp_logits.sizes() == at::IntArrayRef({2, 2}));
  (out.mlm_logits.pow(2).sum() + out.nsp_logits.sum()).backward();
  for (const auto& p : model->named_parameters()) {
    INFO(p.key());
    REQUIRE(p.value().grad().defined());
    CHECK(p.value().grad().abs().sum().item<double>() > 0);
  }

  RobertaForSequenceClassification cls(small_options(), 3);
  cls->forward(ids).sum().backward();
  for (const auto& p : cls->named_parameters()) {
    INFO(p.key());
    // The position row of pads (1) and positions past the sequence never get gradient:
    // only check that a gradient exists.
    CHECK(p.value().grad().defined());
  }
}

TEST_CASE("the tied word-embedding gradient is dense and equals the dense-lookup one", "[model]") {
  ModelOptions o = small_options();
  at::manual_seed(21);
  RobertaForMaskedLM model(o);
  model->eval();  // no dropout: two backward passes see the same function
  at::Tensor ids = at::randint(3, o.vocab_size, {2, 9}, at::kLong);
  ids.index_put_({1, 8}, o.pad_id);  // a pad: its row gets no lookup gradient
  at::Tensor positions = at::tensor({1, 4, 10}, at::kLong);
  auto loss = [&] { return model->forward(ids, positions).pow(2).sum(); };

  const auto& weight = model->roberta->embeddings->word_embeddings->weight;
  loss().backward();
  at::Tensor sparse_lookup = weight.grad().clone();
  CHECK(!weight.grad().is_sparse());
  model->zero_grad();
  model->roberta->embeddings->word_embeddings->options.sparse(false);
  loss().backward();
  CHECK(at::allclose(sparse_lookup, weight.grad(), 1e-6, 1e-7));
}
