// HF config.json <-> ModelOptions, against the roberta-base config.json as published on the
// Hugging Face hub (values typed in from it).
#include "roberta/interop/hf_config.h"
#include "util/error.h"

#include "tests/catch.h"

using namespace roberta;

TEST_CASE("roberta-base's published config.json gives the roberta-base shape", "[interop]") {
  auto published = nlohmann::json::parse(R"({
    "architectures": ["RobertaForMaskedLM"], "attention_probs_dropout_prob": 0.1, "bos_token_id": 0,
    "eos_token_id": 2, "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "hidden_size": 768,
    "initializer_range": 0.02, "intermediate_size": 3072, "layer_norm_eps": 1e-05,
    "max_position_embeddings": 514, "model_type": "roberta", "num_attention_heads": 12,
    "num_hidden_layers": 12, "pad_token_id": 1, "type_vocab_size": 1, "vocab_size": 50265})");
  ModelOptions o = model_options_from_hf_config(published, "config.json");
  CHECK(o.layers == 12);
  CHECK(o.hidden == 768);
  CHECK(o.heads == 12);
  CHECK(o.ffn == 3072);
  CHECK(o.vocab_size == 50265);
  CHECK(o.max_positions == 512);
  CHECK(o.pad_id == 1);
  CHECK(o.layer_norm_eps == 1e-5);

  nlohmann::json back = hf_config_from_model_options(o);
  for (const char* key : {"hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
                          "max_position_embeddings", "vocab_size", "type_vocab_size", "pad_token_id",
                          "layer_norm_eps", "hidden_act", "model_type", "architectures"}) {
    INFO(key);
    CHECK(back[key] == published[key]);
  }
  CHECK(hf_config_from_model_options(o, "RobertaForSequenceClassification", 3)["id2label"].size() == 3);
}

TEST_CASE("HF configs we cannot represent are refused with the key named", "[interop]") {
  auto base = nlohmann::json::parse(R"({"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
    "intermediate_size": 64, "vocab_size": 50, "max_position_embeddings": 34})");
  CHECK(model_options_from_hf_config(base, "c.json").max_positions == 32);
  auto bad = base;
  bad["hidden_act"] = "gelu_new";
  CHECK_THROWS_WITH(model_options_from_hf_config(bad, "c.json"), Catch::Matchers::ContainsSubstring("c.json: key 'hidden_act'"));
  bad = base;
  bad["model_type"] = "bert";
  CHECK_THROWS_WITH(model_options_from_hf_config(bad, "c.json"), Catch::Matchers::ContainsSubstring("model_type"));
  bad = base;
  bad.erase("hidden_size");
  CHECK_THROWS_WITH(model_options_from_hf_config(bad, "c.json"), Catch::Matchers::ContainsSubstring("missing key 'hidden_size'"));
  bad = base;
  bad["num_attention_heads"] = 5;
  CHECK_THROWS_AS(model_options_from_hf_config(bad, "c.json"), Error);
  bad = base;
  bad["vocab_size"] = "many";
  CHECK_THROWS_WITH(model_options_from_hf_config(bad, "c.json"), Catch::Matchers::ContainsSubstring("expected an integer"));
}

TEST_CASE("bare RobertaModel names get the roberta. prefix", "[interop]") {
  auto renamed = with_roberta_prefix({{"embeddings.word_embeddings.weight", at::zeros({1})},
                                      {"encoder.layer.0.output.dense.bias", at::zeros({1})},
                                      {"lm_head.bias", at::zeros({1})}});
  CHECK(renamed[0].first == "roberta.embeddings.word_embeddings.weight");
  CHECK(renamed[1].first == "roberta.encoder.layer.0.output.dense.bias");
  CHECK(renamed[2].first == "lm_head.bias");
}
