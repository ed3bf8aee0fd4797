// The C++ model against an independent plain-torch implementation of Hugging Face's
// RobertaForMaskedLM (scripts/reference/roberta_reference.py, float64, eval mode). Weights and
// logits are fixtures written by that script; the weights go through load_weights, so this is
// also the HF-names import test.
#include <ATen/core/grad_mode.h>
#include <fstream>

#include <nlohmann/json.hpp>

#include "roberta/interop/safetensors.h"
#include "roberta/interop/weights.h"
#include "roberta/model/task_models.h"

#include "tests/catch.h"

using namespace roberta;

TEST_CASE("masked-LM logits match the reference implementation to 1e-5", "[interop][golden]") {
  const std::string dir = std::string(ROBERTA_FIXTURES) + "/model/";
  nlohmann::json config;
  std::ifstream(dir + "golden_config.json") >> config;
  ModelOptions o;
  o.layers = config["layers"];
  o.hidden = config["hidden"];
  o.heads = config["heads"];
  o.ffn = config["ffn"];
  o.vocab_size = config["vocab_size"];
  o.max_positions = config["max_positions"];
  o.pad_id = config["pad_id"];
  RobertaForMaskedLM model(o);
  model->eval();
  LoadWeightsReport report = load_weights(*model, dir + "golden_weights.safetensors");
  CHECK(report.missing.empty());
  CHECK(report.ignored == std::vector<std::string>{"lm_head.decoder.weight"});

  SafetensorsFile io = read_safetensors(dir + "golden_io.safetensors");
  at::Tensor ids = io.find("input_ids");    // [B,T]
  at::Tensor expected = io.find("logits");  // [B,T,V]
  at::NoGradGuard no_grad;
  at::Tensor logits = model->forward(ids);
  REQUIRE(logits.sizes() == expected.sizes());
  // Pads' logits are not meaningful for training but HF computes them the same way too.
  double max_diff = (logits - expected).abs().max().item<double>();
  INFO("max |ours - reference| = " << max_diff);
  CHECK(max_diff < 1e-5 * std::max(1.0, expected.abs().max().item<double>()));

  // Only masked positions: rows of the same reference logits.
  at::Tensor positions = at::tensor({1, 13, 27}, at::kLong);
  at::Tensor some = model->forward(ids, positions);  // [3,V]
  at::Tensor flat = expected.view({-1, expected.size(2)});
  CHECK((some - flat.index_select(0, positions)).abs().max().item<double>() < 1e-4);
}
