// `roberta export-hf --checkpoint DIR --output DIR`: one of our checkpoints -> a directory
// Hugging Face transformers loads (RobertaForMaskedLM from pretraining, RobertaFor
// SequenceClassification / TokenClassification from `roberta finetune`); see roberta/tasks/huggingface.h.
#include <fmt/format.h>

#include "roberta/cli/command.h"
#include "roberta/tasks/huggingface.h"

namespace roberta::cli {
namespace {

const RegisterCommand registered_export_hf(
    "export-hf",
    "write a checkpoint as a Hugging Face directory (masked LM, or the fine-tuned task's head)",
    [](CLI::App& sub) -> CommandRun {
      auto checkpoint = std::make_shared<std::string>();
      auto output = std::make_shared<std::string>();
      sub.add_option("--checkpoint", *checkpoint, "checkpoint or run directory")->required();
      sub.add_option("--output", *output, "directory to write")->required();
      return [checkpoint, output] {
        const HfExport e = export_huggingface(*checkpoint, *output);
        fmt::print("exported step {} as {}{} ({} parameters) to {}\n", e.step, e.architecture,
                   e.num_labels > 0 ? fmt::format(" with {} labels", e.num_labels) : "",
                   e.parameters, *output);
        return 0;
      };
    },
    81);

}  // namespace
}  // namespace roberta::cli
