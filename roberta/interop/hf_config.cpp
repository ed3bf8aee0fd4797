// See hf_config.h.
#include "roberta/interop/hf_config.h"

#include "util/error.h"

#include <fstream>

namespace roberta {

namespace {

template <typename T>
T required(const nlohmann::json& config, const char* key, const std::string& path) {
  auto it = config.find(key);
  if (it == config.end()) fail("{}: missing key '{}'", path, key);
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    fail("{}: key '{}': expected {}, found {}", path, key, std::is_integral<T>::value ? "an integer" : "a number",
         it->dump());
  }
}

}  // namespace

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail("{}: cannot open (missing or unreadable)", path);
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::exception& e) {
    fail("{}: not valid JSON: {}", path, e.what());
  }
  return j;
}

ModelOptions model_options_from_hf_config(const nlohmann::json& config, const std::string& path) {
  if (!config.is_object()) fail("{}: expected a JSON object", path);
  const std::string model_type = config.value("model_type", "roberta");
  if (model_type != "roberta" && model_type != "xlm-roberta" && model_type != "camembert") {
    fail("{}: key 'model_type': expected roberta (or xlm-roberta, camembert), found '{}'", path, model_type);
  }
  const std::string act = config.value("hidden_act", "gelu");
  if (act != "gelu") fail("{}: key 'hidden_act': expected \"gelu\" (exact erf GELU), found \"{}\"", path, act);
  const std::string positions = config.value("position_embedding_type", "absolute");
  if (positions != "absolute") {
    fail("{}: key 'position_embedding_type': expected \"absolute\", found \"{}\"", path, positions);
  }
  ModelOptions o;
  o.layers = required<int64_t>(config, "num_hidden_layers", path);
  o.hidden = required<int64_t>(config, "hidden_size", path);
  o.heads = required<int64_t>(config, "num_attention_heads", path);
  o.ffn = required<int64_t>(config, "intermediate_size", path);
  o.vocab_size = required<int64_t>(config, "vocab_size", path);
  o.pad_id = config.contains("pad_token_id") ? required<int64_t>(config, "pad_token_id", path) : 1;
  // HF's table has pad_id + 1 rows below the first real position (514 = 512 + 2 for pad 1).
  o.max_positions = required<int64_t>(config, "max_position_embeddings", path) - o.pad_id - 1;
  o.type_vocab_size = config.contains("type_vocab_size") ? required<int64_t>(config, "type_vocab_size", path) : 1;
  o.dropout = config.contains("hidden_dropout_prob") ? required<double>(config, "hidden_dropout_prob", path) : 0.1;
  o.attention_dropout = config.contains("attention_probs_dropout_prob")
                            ? required<double>(config, "attention_probs_dropout_prob", path)
                            : 0.1;
  o.layer_norm_eps = config.contains("layer_norm_eps") ? required<double>(config, "layer_norm_eps", path) : 1e-5;
  o.init_std = config.contains("initializer_range") ? required<double>(config, "initializer_range", path) : 0.02;
  if (o.layers < 1 || o.hidden < 1 || o.heads < 1 || o.hidden % o.heads != 0 || o.ffn < 1 || o.vocab_size < 1 ||
      o.max_positions < 1) {
    fail("{}: expected positive sizes with num_attention_heads dividing hidden_size, found layers {}, hidden {}, "
         "heads {}, ffn {}, vocab {}, positions {}",
         path, o.layers, o.hidden, o.heads, o.ffn, o.vocab_size, o.max_positions);
  }
  return o;
}

nlohmann::json hf_config_from_model_options(const ModelOptions& o, const std::string& architecture,
                                            int64_t num_labels, const std::vector<std::string>& labels) {
  nlohmann::json c;
  c["architectures"] = {architecture};
  c["model_type"] = "roberta";
  c["attention_probs_dropout_prob"] = o.attention_dropout;
  c["hidden_dropout_prob"] = o.dropout;
  c["hidden_act"] = "gelu";
  c["hidden_size"] = o.hidden;
  c["intermediate_size"] = o.ffn;
  c["num_attention_heads"] = o.heads;
  c["num_hidden_layers"] = o.layers;
  c["max_position_embeddings"] = o.max_positions + o.pad_id + 1;
  c["vocab_size"] = o.vocab_size;
  c["type_vocab_size"] = o.type_vocab_size;
  c["layer_norm_eps"] = o.layer_norm_eps;
  c["initializer_range"] = o.init_std;
  c["pad_token_id"] = o.pad_id;
  c["bos_token_id"] = 0;
  c["eos_token_id"] = 2;
  c["position_embedding_type"] = "absolute";
  c["tie_word_embeddings"] = true;
  c["torch_dtype"] = "float32";
  if (num_labels > 0) {
    nlohmann::json id2label = nlohmann::json::object(), label2id = nlohmann::json::object();
    for (int64_t i = 0; i < num_labels; ++i) {
      const std::string name = i < int64_t(labels.size()) ? labels[i] : "LABEL_" + std::to_string(i);
      id2label[std::to_string(i)] = name;
      label2id[name] = i;
    }
    c["id2label"] = id2label;
    c["label2id"] = label2id;
    if (num_labels == 1) {
      c["problem_type"] = "regression";
    } else if (architecture == "RobertaForSequenceClassification") {
      c["problem_type"] = "single_label_classification";
    }
  }
  return c;
}

std::vector<std::pair<std::string, at::Tensor>> with_roberta_prefix(std::vector<std::pair<std::string, at::Tensor>> tensors) {
  for (auto& [name, tensor] : tensors) {
    if (name.rfind("embeddings.", 0) == 0 || name.rfind("encoder.", 0) == 0 || name.rfind("pooler.", 0) == 0) {
      name = "roberta." + name;
    }
  }
  return tensors;
}

}  // namespace roberta
