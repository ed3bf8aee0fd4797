// See weights.h.
#include "roberta/interop/weights.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

#include "roberta/interop/safetensors.h"
#include "util/error.h"

namespace roberta {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// HF state-dict entries that are not parameters here: position_ids buffers, the pooler that
// RobertaForMaskedLM does not use.
bool is_ignorable(const std::string& name) {
  return ends_with(name, "position_ids") || name.rfind("pooler.", 0) == 0 || name.find(".pooler.") != std::string::npos;
}

std::string shape_text(at::IntArrayRef shape) { return fmt::format("[{}]", fmt::join(shape, ", ")); }

}  // namespace

void save_weights(const torch::nn::Module& module, const std::string& path, const SaveWeightsOptions& options) {
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  auto params = module.named_parameters();
  for (const auto& p : params) tensors.emplace_back(p.key(), p.value());
  if (options.with_tied_decoder && params.contains(kWordEmbeddingsName) && params.contains("lm_head.bias")) {
    tensors.emplace_back(kTiedDecoderName, params[kWordEmbeddingsName]);
  }
  write_safetensors(path, tensors, options.metadata);
}

LoadWeightsReport load_weights(torch::nn::Module& module, const std::string& path, const LoadWeightsOptions& options) {
  return load_weights(module, read_safetensors(path).tensors, path, options);
}

LoadWeightsReport load_weights(torch::nn::Module& module, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                               const std::string& path, const LoadWeightsOptions& options) {
  auto params = module.named_parameters();
  LoadWeightsReport report;
  std::vector<std::string> mismatches;
  std::set<std::string> seen;
  std::vector<std::pair<at::Tensor, at::Tensor>> copies;  // (parameter, source): applied only if all is well
  for (const auto& [name, tensor] : tensors) {
    if (name == kTiedDecoderName && params.contains(kWordEmbeddingsName) && params.contains("lm_head.bias")) {
      // Tied: the word embeddings carry it. Only its shape is checked.
      if (tensor.sizes() != params[kWordEmbeddingsName].sizes()) {
        mismatches.push_back(fmt::format("  {}: expected {}, found {}", name,
                                         shape_text(params[kWordEmbeddingsName].sizes()), shape_text(tensor.sizes())));
      }
      report.ignored.push_back(name);
      continue;
    }
    if (!params.contains(name)) {
      if (is_ignorable(name)) report.ignored.push_back(name);
      else report.unexpected.push_back(name);
      continue;
    }
    seen.insert(name);
    const at::Tensor& param = params[name];
    if (param.sizes() != tensor.sizes()) {
      mismatches.push_back(
          fmt::format("  {}: expected {}, found {}", name, shape_text(param.sizes()), shape_text(tensor.sizes())));
      continue;
    }
    if (!at::isFloatingType(tensor.scalar_type())) {
      mismatches.push_back(fmt::format("  {}: expected a floating-point tensor, found {}", name,
                                       c10::toString(tensor.scalar_type())));
      continue;
    }
    copies.emplace_back(param, tensor);
    report.loaded.push_back(name);
  }
  for (const auto& p : params) {
    if (!seen.count(p.key())) report.missing.push_back(p.key());
  }
  for (auto* list : {&report.loaded, &report.missing, &report.unexpected, &report.ignored}) {
    std::sort(list->begin(), list->end());
  }

  std::string problems;
  if (!mismatches.empty()) {
    problems += fmt::format("\n{} tensor(s) with the wrong shape (name: expected model shape, found in file):\n{}",
                            mismatches.size(), fmt::join(mismatches, "\n"));
  }
  if (!report.missing.empty() && !options.allow_missing) {
    problems += fmt::format("\n{} model parameter(s) missing from the file:\n  {}", report.missing.size(),
                            fmt::join(report.missing, "\n  "));
  }
  if (!report.unexpected.empty() && !options.allow_unexpected) {
    problems += fmt::format("\n{} unexpected tensor(s) in the file, not in the model:\n  {}", report.unexpected.size(),
                            fmt::join(report.unexpected, "\n  "));
  }
  if (!problems.empty()) {
    fail("{}: weights do not match the model (is the config the one this checkpoint was trained with?){}", path,
         problems);
  }
  at::NoGradGuard no_grad;
  for (auto& [param, source] : copies) param.copy_(source);
  return report;
}

}  // namespace roberta
