// `roberta finetune CFG [--set key=value ...]`: trains a task head on a pretrained encoder
// (roberta/tasks/finetuner.h); the best dev epoch lands in train.out_dir/best. Data-parallel
// under `roberta launch`, torchrun, SLURM or Open MPI, like pretraining; SIGTERM checkpoints,
// and running the command again resumes.
#include "roberta/cli/command.h"
#include "roberta/config/config.h"
#include "roberta/cli/training_communicator.h"
#include "roberta/tasks/finetuner.h"
#include "roberta/train/trainer.h"

namespace roberta::cli {
namespace {

int run_finetune(const ConfigArgs& args) {
  const Config config = load_config(args.files, args.overrides);
  std::unique_ptr<Communicator> comm = training_communicator(config);
  install_stop_signal_handlers();
  finetune(config, *comm);
  comm->shutdown();
  return 0;
}

const RegisterCommand registered_finetune(
    "finetune", "fine-tune a pretrained model on a GLUE or local task",
    [](CLI::App& sub) -> CommandRun {
      auto args = std::make_shared<ConfigArgs>();
      add_config_args(sub, *args);
      return [args] { return run_finetune(*args); };
    },
    40);

}  // namespace
}  // namespace roberta::cli
