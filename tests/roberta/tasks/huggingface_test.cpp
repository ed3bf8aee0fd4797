// export_huggingface on fine-tuned checkpoints: the directory must be what transformers'
// RobertaForSequenceClassification / RobertaForTokenClassification load without a missing or
// unexpected key (the expected names are transformers' state-dict names, spelled out here from
// modeling_roberta.py, not taken from our model), with config.json's architecture, num_labels,
// id2label and problem_type, and it must load back here to the very same predictions.
#include <fstream>
#include <set>

#include "data/tasks/tsv_jsonl.h"
#include "roberta/interop/hf_config.h"
#include "roberta/interop/safetensors.h"
#include "roberta/interop/weights.h"
#include "roberta/model/task_models.h"
#include "roberta/tasks/encoding.h"
#include "roberta/tasks/evaluator.h"
#include "roberta/tasks/finetuned.h"
#include "roberta/tasks/finetuner.h"
#include "roberta/tasks/huggingface.h"
#include "roberta/train/checkpoint.h"
#include "synthetic_tasks.h"
#include "util/error.h"

// Last: torch pulls in glog, whose CHECK macro must not replace Catch's.
#include "tests/catch.h"

using namespace roberta;
using namespace roberta::test;

namespace {

// transformers' RobertaModel(add_pooling_layer=False) state dict for `layers` layers, plus the
// head's names. position_ids is a non-persistent buffer in current transformers: not expected.
std::set<std::string> hf_names(int layers, const std::vector<std::string>& head) {
  std::set<std::string> names = {
      "roberta.embeddings.word_embeddings.weight", "roberta.embeddings.position_embeddings.weight",
      "roberta.embeddings.token_type_embeddings.weight", "roberta.embeddings.LayerNorm.weight",
      "roberta.embeddings.LayerNorm.bias"};
  for (int i = 0; i < layers; ++i) {
    const std::string p = "roberta.encoder.layer." + std::to_string(i) + ".";
    for (const char* m : {"attention.self.query", "attention.self.key", "attention.self.value",
                          "attention.output.dense", "attention.output.LayerNorm",
                          "intermediate.dense", "output.dense", "output.LayerNorm"}) {
      names.insert(p + m + ".weight");
      names.insert(p + m + ".bias");
    }
  }
  names.insert(head.begin(), head.end());
  return names;
}

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

// Fine-tunes the synthetic `type` task for one epoch, exports best/, and returns the dev
// predictions of the original and of the exported directory loaded back.
struct Exported {
  fs::path dir;
  HfExport info;
  TaskPredictions original, reloaded;
};

Exported finetune_and_export(const std::string& type) {
  const fs::path dir = temp_dir("hf_export_" + type);
  write_synthetic_task(dir / "data", type, 64, 24);
  Config c = tiny_config((dir / "data").string(), (dir / "run").string());
  c.finetune.epochs = 1;
  finetune(c, /*quiet=*/true);

  Exported e;
  e.dir = dir / "hf";
  e.info = export_huggingface((dir / "run/best").string(), e.dir.string());
  const c10::Device cpu(c10::kCPU);
  auto scores = [&](const fs::path& model_dir) {
    FinetunedModel f = load_finetuned(model_dir.string(), cpu);
    const std::string dev = (dir / "data" / (type == "tagging" ? "dev.conll" : "dev.jsonl")).string();
    const auto examples = encode_examples(f.pretrained.tokenizer, f.task, read_task_examples(f.task, dev),
                                          f.seq_len, "dev");
    return predict(*f.model, examples, f.task.type, f.pad_id, 8, cpu);
  };
  e.original = scores(dir / "run/best");
  e.reloaded = scores(e.dir);
  return e;
}

std::set<std::string> tensor_names(const fs::path& file) {
  std::set<std::string> names;
  for (const auto& [name, tensor] : read_safetensors(file.string()).tensors) names.insert(name);
  return names;
}

}  // namespace

TEST_CASE("export-hf: a sequence classifier loads as RobertaForSequenceClassification", "[tasks][interop]") {
  const Exported e = finetune_and_export("classification");
  CHECK(e.info.architecture == "RobertaForSequenceClassification");
  CHECK(e.info.num_labels == 2);
  const auto config = read_json(e.dir / "config.json");
  CHECK(config.at("architectures") == nlohmann::json({"RobertaForSequenceClassification"}));
  CHECK(config.at("id2label") == nlohmann::json({{"0", "no"}, {"1", "yes"}}));
  CHECK(config.at("label2id") == nlohmann::json({{"no", 0}, {"yes", 1}}));
  CHECK(config.at("problem_type") == "single_label_classification");
  CHECK(tensor_names(e.dir / "model.safetensors") ==
        hf_names(2, {"classifier.dense.weight", "classifier.dense.bias", "classifier.out_proj.weight",
                     "classifier.out_proj.bias"}));
  for (const char* f : {"vocab.json", "merges.txt", "tokenizer_config.json", "task.json"}) {
    CHECK(fs::exists(e.dir / f));
  }
  REQUIRE(!e.original.scores.empty());
  CHECK(e.original.scores == e.reloaded.scores);
  CHECK(e.original.classes == e.reloaded.classes);
}

TEST_CASE("export-hf: regression is one output with problem_type regression", "[tasks][interop]") {
  const Exported e = finetune_and_export("regression");
  const auto config = read_json(e.dir / "config.json");
  CHECK(config.at("architectures") == nlohmann::json({"RobertaForSequenceClassification"}));
  CHECK(config.at("problem_type") == "regression");
  CHECK(config.at("id2label").size() == 1);
  REQUIRE(!e.original.scores.empty());
  CHECK(e.original.scores == e.reloaded.scores);
}

TEST_CASE("export-hf: a tagger loads as RobertaForTokenClassification", "[tasks][interop]") {
  const Exported e = finetune_and_export("tagging");
  const auto config = read_json(e.dir / "config.json");
  CHECK(config.at("architectures") == nlohmann::json({"RobertaForTokenClassification"}));
  CHECK(config.at("id2label") == nlohmann::json({{"0", "O"}, {"1", "A"}}));
  CHECK_FALSE(config.contains("problem_type"));
  CHECK(tensor_names(e.dir / "model.safetensors") == hf_names(2, {"classifier.weight", "classifier.bias"}));
  REQUIRE(!e.original.word_classes.empty());
  CHECK(e.original.word_classes == e.reloaded.word_classes);
}

TEST_CASE("a Hugging Face classifier without task.json loads its task from config.json", "[tasks][interop]") {
  const Exported e = finetune_and_export("classification");
  fs::remove(e.dir / "task.json");  // as downloaded from the Hub: config.json only
  FinetunedModel f = load_finetuned(e.dir.string(), c10::Device(c10::kCPU));
  CHECK(f.task.type == TaskType::classification);
  CHECK(f.task.labels == std::vector<std::string>{"no", "yes"});
  CHECK(f.task.name == "synthetic");  // config.json's finetuning_task

  // A masked-LM directory has no task head: a clear error, not a silently random classifier.
  nlohmann::json c = read_json(e.dir / "config.json");
  c["architectures"] = {"RobertaForMaskedLM"};
  std::ofstream(e.dir / "config.json") << c.dump();
  CHECK_THROWS_WITH(load_finetuned(e.dir.string(), c10::Device(c10::kCPU)),
                    Catch::Matchers::ContainsSubstring("task.json") && Catch::Matchers::ContainsSubstring("ForSequenceClassification"));
}

// Golden logits from transformers itself (not from code written here): a seeded tiny
// RobertaForMaskedLM and a RobertaForSequenceClassification sharing its encoder, saved by
// save_pretrained, and their eval-mode logits, all written by scripts/reference/make_hf_golden.py
// (scripts/gpu/check.sh runs it: the GPU machine is the one with transformers). The masked LM
// goes through import_huggingface, the classifier through load_finetuned (config.json only).
TEST_CASE("import-hf: logits equal transformers' own on its saved models", "[tasks][interop][golden]") {
  const fs::path fixtures = fs::path(ROBERTA_FIXTURES) / "model" / "hf_golden";
  if (!fs::exists(fixtures / "hf_golden_io.safetensors")) {
    ROBERTA_SKIP("no transformers fixture in " << fixtures.string()
                 << " yet: scripts/gpu/check.sh writes it (step hf_golden) on a machine with transformers");
  }
  SafetensorsFile io = read_safetensors((fixtures / "hf_golden_io.safetensors").string());
  const at::Tensor ids = io.find("input_ids");
  const at::Tensor expected = io.find("logits");
  at::NoGradGuard no_grad;

  const fs::path imported = temp_dir("hf_golden_import");
  fs::remove_all(imported);
  const HfImport report = import_huggingface((fixtures / "hf_tiny").string(), imported.string());
  CHECK(report.parameters > 0);
  const nlohmann::json hf_config = read_json(fixtures / "hf_tiny" / "config.json");
  RobertaForMaskedLM mlm(model_options_from_hf_config(hf_config, "hf_tiny/config.json"));
  load_weights(*mlm, (imported / kCheckpointWeightsFile).string());
  mlm->eval();
  const at::Tensor logits = mlm->forward(ids);
  REQUIRE(logits.sizes() == expected.sizes());
  // transformers computes padded positions too; compare only the real tokens.
  const at::Tensor real = ids.ne(hf_config.at("pad_token_id").get<int64_t>()).unsqueeze(-1);
  const double diff = ((logits - expected).abs() * real).max().item<double>();
  INFO("max |ours - transformers| over real tokens = " << diff);
  CHECK(diff < 1e-4 * std::max(1.0, expected.abs().max().item<double>()));

  FinetunedModel cls = load_finetuned((fixtures / "hf_tiny_cls").string(), c10::Device(c10::kCPU));
  const at::Tensor cls_logits = cls.model->forward(ids);
  const at::Tensor cls_expected = io.find("cls_logits");
  REQUIRE(cls_logits.sizes() == cls_expected.sizes());
  CHECK((cls_logits - cls_expected).abs().max().item<double>() < 1e-4);
}
