// Our checkpoints -> a directory Hugging Face transformers loads: config.json,
// model.safetensors (HF state-dict names), vocab.json, merges.txt, tokenizer_config.json.
// A pretraining checkpoint becomes RobertaForMaskedLM (with the tied lm_head.decoder.weight);
// a fine-tuned one (task.json) becomes RobertaForSequenceClassification (classification, pair,
// regression: num_labels 1, problem_type "regression") or RobertaForTokenClassification
// (tagging), with id2label / label2id from the task's labels. task.json is copied along, so
// the directory also loads back here with its task (evaluate, predict, finetune init).
#pragma once

#include <string>

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

}  // namespace roberta
