// Both directions between our checkpoints and Hugging Face transformers' directories; the file
// formats underneath (safetensors, config.json, state-dict names) are roberta/interop's.
//
// Export: our checkpoints -> a directory Hugging Face transformers loads: config.json,
// model.safetensors (HF state-dict names), vocab.json, merges.txt, tokenizer_config.json.
// A pretraining checkpoint becomes RobertaForMaskedLM (with the tied lm_head.decoder.weight);
// a fine-tuned one (task.json) becomes RobertaForSequenceClassification (classification, pair,
// regression: num_labels 1, problem_type "regression") or RobertaForTokenClassification
// (tagging), with id2label / label2id from the task's labels. task.json is copied along, so
// the directory also loads back here with its task (evaluate, predict, finetune init).
//
// Import: a Hugging Face RoBERTa directory (config.json, model.safetensors in F32/F16/BF16,
// vocab.json, merges.txt) -> our checkpoint (format v1, step 0), so a published roberta-base
// can be fine-tuned here. position_ids and pooler.* are ignored; a file saved from a bare
// RobertaModel (no "roberta." prefix, no LM head) is accepted and the LM head keeps its fresh
// initialisation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace roberta {

struct HfExport {
  std::string architecture;  // e.g. "RobertaForSequenceClassification"
  int64_t step = 0;          // the checkpoint's step (fine-tuned: its epoch's last update)
  int64_t parameters = 0;
  int64_t num_labels = 0;    // 0 for the masked LM
};

// `checkpoint`: a checkpoint directory or a run directory (its checkpoint-last). Errors
// (roberta::Error) name the directory and what was expected.
HfExport export_huggingface(const std::string& checkpoint, const std::string& output);

struct HfImport {
  int64_t tensors = 0;     // tensors read from model.safetensors and used
  int64_t parameters = 0;
  std::vector<std::string> notes;  // what was absent or skipped (fresh LM head, no tokenizer)
};

// `input`: a Hugging Face model directory. Errors (roberta::Error) name the file and what was
// missing or wrong; nothing is written to `output` unless the whole checkpoint is.
HfImport import_huggingface(const std::string& input, const std::string& output);

}  // namespace roberta
