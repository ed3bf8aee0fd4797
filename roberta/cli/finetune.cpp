// `roberta finetune CFG [--set key=value ...]`: trains a task head on a pretrained encoder
// (roberta/tasks/finetuner.h); the best dev epoch lands in train.out_dir/best.
#include "roberta/cli/command.h"
#include "roberta/config/config.h"
#include "roberta/tasks/finetuner.h"

namespace roberta::cli {
namespace {

const RegisterCommand reg(
    "finetune", "fine-tune a pretrained model on a GLUE or local task",
    [](CLI::App& sub) -> CommandRun {
      auto args = std::make_shared<ConfigArgs>();
      add_config_args(sub, *args);
      return [args] {
        finetune(load_config(args->files, args->overrides));
        return 0;
      };
    },
    40);

}  // namespace
}  // namespace roberta::cli
