// `roberta fill-mask --model DIR [--top-k K] [--json] "text with <mask>" ...`: the top-k
// fillers of every <mask>. DIR: a run directory, one of our checkpoints or a Hugging Face
// directory. --json prints one line per text: a list with, per mask, a list of
// {"token", "token_id", "score"} (token = the decoded text of token_id).
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "roberta/cli/command.h"
#include "roberta/model/task_models.h"
#include "roberta/tasks/fill_mask.h"
#include "roberta/tasks/pretrained.h"
#include "roberta/train/precision.h"
#include "util/error.h"

namespace roberta::cli {
namespace {

struct FillMaskArgs {
  std::string model;
  int64_t top_k = 5;
  bool json = false;
  std::vector<std::string> texts;
};

int run_fill_mask(const FillMaskArgs& a) {
  PretrainedModel m = load_pretrained(a.model);
  RobertaForMaskedLM model(m.config.model);
  LoadWeightsReport report = m.load_into(*model, {/*allow_missing=*/true, /*allow_unexpected=*/true});
  if (!report.missing.empty()) {
    fail("{}: no masked-LM head in the weights ({} missing, e.g. '{}'); fill-mask needs a pretraining checkpoint",
         m.weights_path, report.missing.size(), report.missing.front());
  }
  model->to(resolve_device(DeviceKind::automatic));
  for (const std::string& text : a.texts) {
    const auto masks = fill_mask(model, m.tokenizer, text, a.top_k);
    if (a.json) {
      nlohmann::json all = nlohmann::json::array();
      for (const auto& fillers : masks) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& f : fillers) list.push_back({{"token", f.token}, {"token_id", f.token_id}, {"score", f.score}});
        all.push_back(list);
      }
      fmt::print("{}\n", all.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      continue;
    }
    fmt::print("{}\n", text);
    for (size_t i = 0; i < masks.size(); ++i) {
      if (masks.size() > 1) fmt::print("  <mask> {}:\n", i + 1);
      for (const auto& f : masks[i]) {
        fmt::print("  {:7.4f}  {:<20} (id {})\n", f.score, nlohmann::json(f.token).dump(-1, ' ', false,
                                                                                     nlohmann::json::error_handler_t::replace),
                   f.token_id);
      }
    }
  }
  return 0;
}

const RegisterCommand registered_fill_mask(
    "fill-mask", "print the most likely tokens for each <mask> in a text",
    [](CLI::App& sub) -> CommandRun {
      auto a = std::make_shared<FillMaskArgs>();
      sub.add_option("--model", a->model, "run, checkpoint or Hugging Face directory")->required();
      sub.add_option("--top-k", a->top_k, "fillers per mask")->check(CLI::PositiveNumber);
      sub.add_flag("--json", a->json, "one JSON line per text: per mask a list of {token, token_id, score}");
      sub.add_option("texts", a->texts, "texts containing <mask>")->required();
      return [a] { return run_fill_mask(*a); };
    },
    43);

}  // namespace
}  // namespace roberta::cli
