// Plain options for the training building blocks (optimizer, LR schedule, loss scaling, the
// non-finite guard). The config layer fills them from the optim.*, schedule.* and train.*
// sections; defaults are RoBERTa's pretraining recipe (docs/roberta.md).
// Each member's comment names its config key; help text and range: roberta/config/registry.cpp.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace roberta {

struct OptimizerOptions {
  double lr = 6e-4;  // optim.lr
  std::array<double, 2> betas = {0.9, 0.98};  // optim.betas
  double eps = 1e-6;  // optim.eps
  double weight_decay = 0.01;  // optim.weight_decay
  std::vector<std::string> no_decay = {"1d"};  // optim.no_decay
  double clip_norm = 0.0;  // optim.clip_norm
};

enum class ScheduleKind { linear, polynomial, cosine, constant };

struct ScheduleOptions {
  ScheduleKind kind = ScheduleKind::polynomial;  // schedule.kind
  int64_t warmup_steps = 24000;  // schedule.warmup_steps
  double power = 1.0;  // schedule.power
  double end_lr = 0.0;  // schedule.end_lr
};

struct LossScalerOptions {
  double init_scale = 65536.0;   // 2^16: first loss scale for fp16
  double growth_factor = 2.0;    // scale *= growth_factor after growth_interval clean steps
  double backoff_factor = 0.5;   // scale *= backoff_factor on overflow
  int64_t growth_interval = 2000;  // clean steps between growths
  double min_scale = 1.0 / 65536.0;  // below this the run is hopeless: Error
};

}  // namespace roberta
