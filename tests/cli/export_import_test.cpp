// `roberta export-hf` then `roberta import-hf` on a pretraining checkpoint, through the binary,
// read back with the fixture's own safetensors reader: the export holds transformers'
// RobertaForMaskedLM names (incl. the tied lm_head.decoder.weight, equal to the word
// embeddings), config.json describes the model, and importing it again gives our checkpoint's
// tensors bit for bit.
#include "pretrain_fixture.h"

using namespace pretrain_test;

TEST_CASE("export-hf + import-hf round-trip a pretraining checkpoint bit for bit", "[cli][interop]") {
  const fs::path dir = scratch("export_import");
  const std::string run_dir = (dir / "run").string();
  const std::string cfg = write_config(dir, run_dir);
  std::string out;
  // The tokenizer travels in the checkpoint, and from there into the export.
  REQUIRE(run(binary() + " --threads 1 pretrain " + cfg + " --set train.max_steps=2 --set tokenizer.dir=" +
                  std::string(ROBERTA_FIXTURES) + "/tokenizer/roberta",
              out) == 0);
  INFO(out);

  const fs::path hf = dir / "hf", back = dir / "back";
  REQUIRE(run(binary() + " export-hf --checkpoint " + run_dir + " --output " + hf.string(), out) == 0);
  CHECK(out.find("as RobertaForMaskedLM") != std::string::npos);
  for (const char* f : {"config.json", "model.safetensors", "vocab.json", "merges.txt", "tokenizer_config.json"}) {
    CHECK(fs::exists(hf / f));
  }
  std::ifstream vocab_a(hf / "vocab.json"), vocab_b(std::string(ROBERTA_FIXTURES) + "/tokenizer/roberta/vocab.json");
  CHECK(nlohmann::json::parse(vocab_a) == nlohmann::json::parse(vocab_b));
  CHECK(read_bytes(hf / "merges.txt") == read_bytes(std::string(ROBERTA_FIXTURES) + "/tokenizer/roberta/merges.txt"));
  std::ifstream config_in(hf / "config.json");
  const auto config = nlohmann::json::parse(config_in);
  CHECK(config.at("architectures") == nlohmann::json({"RobertaForMaskedLM"}));
  CHECK(config.at("num_hidden_layers") == 2);
  CHECK(config.at("hidden_size") == 32);
  CHECK(config.at("vocab_size") == 50265);
  CHECK(config.at("max_position_embeddings") == 514);  // 512 positions + pad_id + 1 (RoBERTa's offset)

  const auto exported = read_safetensors(hf / "model.safetensors");
  const auto ours = read_safetensors(fs::path(run_dir) / "checkpoint-2" / "model.safetensors");
  REQUIRE(exported.count("lm_head.decoder.weight"));
  CHECK(exported.at("lm_head.decoder.weight") == exported.at("roberta.embeddings.word_embeddings.weight"));
  for (const char* name : {"lm_head.dense.weight", "lm_head.layer_norm.weight", "lm_head.bias",
                           "roberta.encoder.layer.1.attention.self.query.weight",
                           "roberta.encoder.layer.1.output.LayerNorm.bias"}) {
    CHECK(exported.count(name) == 1);
  }
  for (const auto& [name, values] : ours) {
    REQUIRE(exported.count(name));
    CHECK(exported.at(name) == values);
  }

  REQUIRE(run(binary() + " import-hf --input " + hf.string() + " --output " + back.string(), out) == 0);
  const auto imported = read_safetensors(back / "model.safetensors");
  CHECK(imported.size() == ours.size());
  for (const auto& [name, values] : ours) {
    REQUIRE(imported.count(name));
    CHECK(imported.at(name) == values);
  }
}
