// Hugging Face's RobertaConfig (config.json) <-> our ModelOptions, and the HF state-dict
// naming variants import-hf accepts. Only the architecture travels; HF-only keys are written
// with RoBERTa's values (bos 0, eos 2, absolute positions, GELU).
#pragma once

#include <ATen/ATen.h>

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

#include "roberta/model/options.h"

namespace roberta {

// A whole JSON file (config.json, task.json); Error naming the file when it cannot be opened
// or is not valid JSON.
nlohmann::json read_json_file(const std::string& path);

// config.json -> ModelOptions. Errors (roberta::Error naming `path` and the key) for missing
// keys, an activation other than exact "gelu", non-absolute positions, a non-RoBERTa model_type.
ModelOptions model_options_from_hf_config(const nlohmann::json& config, const std::string& path);

// ModelOptions -> config.json. architecture: "RobertaForMaskedLM",
// "RobertaForSequenceClassification" or "RobertaForTokenClassification"; num_labels > 0 is
// written as id2label/label2id (names from `labels` when given, else LABEL_i), and with
// problem_type "regression" for one output and "single_label_classification" for a
// sequence classifier with more.
nlohmann::json hf_config_from_model_options(const ModelOptions& options,
                                            const std::string& architecture = "RobertaForMaskedLM",
                                            int64_t num_labels = 0,
                                            const std::vector<std::string>& labels = {});

// HF files saved from a bare RobertaModel name tensors "embeddings.*" / "encoder.*" without
// the "roberta." prefix; this adds it so the names match ours. Other names are kept.
std::vector<std::pair<std::string, at::Tensor>> with_roberta_prefix(
    std::vector<std::pair<std::string, at::Tensor>> tensors);

}  // namespace roberta
