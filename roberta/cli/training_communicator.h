// The communicator of a training command (pretrain, finetune): this rank's device from
// train.device and the launcher's environment (cuda:LOCAL_RANK), then the dist.* backend that
// takes that device's tensors (docs/distributed.md).
#pragma once

#include <memory>

#include "roberta/config/config.h"
#include "roberta/dist/communicator.h"

namespace roberta::cli {

std::unique_ptr<Communicator> training_communicator(const Config& config);

}  // namespace roberta::cli
