// `roberta import-hf --input HF_DIR --output CKPT_DIR`: a Hugging Face RoBERTa directory ->
// our checkpoint (step 0), so a published roberta-base can be fine-tuned here; see
// roberta/tasks/huggingface.h.
#include <fmt/format.h>

#include "roberta/cli/command.h"
#include "roberta/tasks/huggingface.h"

namespace roberta::cli {
namespace {

const RegisterCommand registered_import_hf(
    "import-hf", "convert a Hugging Face RoBERTa directory into a checkpoint",
    [](CLI::App& sub) -> CommandRun {
      auto input = std::make_shared<std::string>();
      auto output = std::make_shared<std::string>();
      sub.add_option("--input", *input, "Hugging Face model directory (config.json, model.safetensors)")->required();
      sub.add_option("--output", *output, "checkpoint directory to write")->required();
      return [input, output] {
        const HfImport i = import_huggingface(*input, *output);
        for (const auto& note : i.notes) fmt::print("note: {}\n", note);
        fmt::print("imported {} tensors ({} parameters) from {} into {}\n", i.tensors, i.parameters,
                   *input, *output);
        return 0;
      };
    },
    80);

}  // namespace
}  // namespace roberta::cli
