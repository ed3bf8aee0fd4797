// `roberta finetune CFG [--set key=value ...]`: trains a task head on a pretrained encoder
// (roberta/tasks/finetuner.h); the best dev epoch lands in train.out_dir/best.
#include "roberta/cli/command.h"
#include "roberta/config/config.h"
#include "roberta/dist/environment.h"
#include "util/error.h"
#include "roberta/tasks/finetuner.h"

namespace roberta::cli {
namespace {

const RegisterCommand reg(
    "finetune", "fine-tune a pretrained model on a GLUE or local task",
    [](CLI::App& sub) -> CommandRun {
      auto args = std::make_shared<ConfigArgs>();
      add_config_args(sub, *args);
      return [args] {
        // Fine-tuning is not data-parallel yet: under torchrun, SLURM or `roberta launch` every
        // rank would fine-tune the whole task alone and all would write the same out_dir.
        const DistEnvironment env = read_dist_environment();
        if (env.world_size > 1) {
          fail("finetune: runs as a single process, but this is rank {} of {} (from {}): start it "
               "without torchrun / srun / mpirun / `roberta launch`",
               env.rank, env.world_size, env.source);
        }
        finetune(load_config(args->files, args->overrides));
        return 0;
      };
    },
    40);

}  // namespace
}  // namespace roberta::cli
