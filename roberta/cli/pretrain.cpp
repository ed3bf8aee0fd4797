// `roberta pretrain CFG [--set k=v ...] [--resume]`: the main job. Rank, world size and
// rendezvous come from the environment (torchrun, SLURM, Open MPI, or `roberta launch`).
#include <fmt/format.h>

#include "roberta/cli/command.h"
#include "roberta/config/config.h"
#include "roberta/dist/communicator.h"
#include "roberta/cli/training_communicator.h"
#include "roberta/train/pretrainer.h"

namespace roberta::cli {
namespace {

struct PretrainArgs {
  ConfigArgs config;
  bool resume = false;
};

int run_pretrain(const PretrainArgs& args) {
  Config config = load_config(args.config.files, args.config.overrides);
  std::unique_ptr<Communicator> comm = training_communicator(config);
  install_stop_signal_handlers();
  PretrainResult result = pretrain(config, *comm, args.resume);
  comm->shutdown();
  if (comm->is_main()) {
    fmt::print("done: step {} | train loss {:.4f}{} | checkpoint {}\n", result.step,
               result.last_train_loss,
               result.last_valid_loss >= 0 ? fmt::format(" | valid loss {:.4f}", result.last_valid_loss)
                                           : std::string(),
               result.checkpoint.empty() ? "-" : result.checkpoint);
  }
  return 0;
}

const RegisterCommand registered_pretrain(
    "pretrain", "pretrain a masked-LM from a YAML experiment config",
    [](CLI::App& sub) -> CommandRun {
      auto args = std::make_shared<PretrainArgs>();
      add_config_args(sub, args->config);
      sub.add_flag("--resume", args->resume,
                   "continue from the newest checkpoint in train.out_dir (Error if there is none)");
      return [args] { return run_pretrain(*args); };
    },
    20);

}  // namespace
}  // namespace roberta::cli
