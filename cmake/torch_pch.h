// The torch headers most translation units need; precompiled once and reused by every
// torch-using target (see RobertaTargets.cmake).
#pragma once
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/functional.h>
#include <fmt/format.h>
#include <string>
#include <vector>
#include <memory>
