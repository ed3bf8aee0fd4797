// The LibTorch version this tree is compiled against, compared as a (major, minor) pair: the
// one test every API difference between LibTorch 1.13 and 2.x (and 3.x) goes through.
#pragma once

#include <torch/version.h>

#define ROBERTA_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))
