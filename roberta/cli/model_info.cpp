// `roberta model-info CFG [--set ...]`: the masked-LM model a config describes: its module
// tree, parameter counts by part, and a line `parameters: N` (the tied decoder counted once,
// as Hugging Face counts it: 124697433 for roberta-base).
#include <fmt/format.h>

#include <sstream>

#include "roberta/cli/command.h"
#include "roberta/config/config.h"
#include "roberta/model/attention_kernel.h"
#include "roberta/model/task_models.h"

namespace roberta::cli {
namespace {

int run_model_info(const ConfigArgs& args) {
  Config config = load_config(args.files, args.overrides);
  const ModelOptions& o = config.model;
  RobertaForMaskedLM model(o);
  std::ostringstream tree;
  tree << *model << "\n";  // torch's recursive module printer
  fmt::print("{}", tree.str());
  for (const auto& p : model->named_parameters()) {
    fmt::print("  {} [{}]\n", p.key(), fmt::join(p.value().sizes(), ", "));
  }
  fmt::print("model: layers {}, hidden {}, heads {}, ffn {}, vocab {}, positions {} (+{} rows)\n", o.layers, o.hidden,
             o.heads, o.ffn, o.vocab_size, o.max_positions, o.pad_id + 1);
  fmt::print("attention: {}\n", attention_kernel_is_fused() ? "scaled_dot_product_attention (fused)" : "explicit softmax");
  fmt::print("embeddings: {}\n", count_parameters(*model->roberta->embeddings));
  fmt::print("encoder layers: {}\n", count_parameters(*model->roberta->encoder));
  fmt::print("lm_head (decoder tied to word embeddings): {}\n", count_parameters(*model->lm_head));
  if (model->nsp_head) fmt::print("nsp_head: {}\n", count_parameters(*model->nsp_head));
  fmt::print("parameters: {}\n", count_parameters(*model));
  return 0;
}

const RegisterCommand registered_model_info(
    "model-info", "print the masked-LM model's module tree and parameter count",
    [](CLI::App& sub) -> CommandRun {
      auto args = std::make_shared<ConfigArgs>();
      add_config_args(sub, *args);
      return [args] { return run_model_info(*args); };
    },
    20);

}  // namespace
}  // namespace roberta::cli
