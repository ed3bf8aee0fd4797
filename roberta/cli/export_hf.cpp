// `roberta export-hf --checkpoint DIR --output DIR`: our masked-LM checkpoint -> a directory
// Hugging Face transformers loads as RobertaForMaskedLM: config.json, model.safetensors (HF
// names, incl. the tied lm_head.decoder.weight), vocab.json, merges.txt, tokenizer_config.json.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "roberta/cli/command.h"
#include "roberta/config/config.h"
#include "roberta/interop/hf_config.h"
#include "roberta/interop/weights.h"
#include "roberta/model/task_models.h"
#include "roberta/train/checkpoint.h"
#include "util/error.h"

namespace roberta::cli {
namespace {

namespace fs = std::filesystem;

int run_export_hf(const std::string& checkpoint, const std::string& output) {
  CheckpointReader reader = CheckpointReader::open(checkpoint);
  Config config = config_from_yaml_string(reader.config_yaml, reader.path(kCheckpointConfigFile));
  RobertaForMaskedLM model(config.model);
  reader.load_weights(*model);

  std::error_code ec;
  fs::create_directories(output, ec);
  if (ec) fail("{}: cannot create: {}", output, ec.message());
  save_weights(*model, output + "/model.safetensors", {/*with_tied_decoder=*/true, {{"format", "pt"}}});
  std::ofstream(output + "/config.json") << hf_config_from_model_options(config.model).dump(2) << "\n";

  for (const char* name : {"vocab.json", "merges.txt"}) {
    std::string source = reader.has_file(name) ? reader.path(name) : config.tokenizer.dir + "/" + name;
    if (!config.tokenizer.dir.empty() || reader.has_file(name)) {
      if (fs::exists(source)) {
        fs::copy_file(source, output + "/" + name, fs::copy_options::overwrite_existing);
        continue;
      }
    }
    fmt::print("note: no {} in the checkpoint or tokenizer.dir; copy it into {} yourself\n", name, output);
  }
  nlohmann::json tokenizer = {
      {"tokenizer_class", "RobertaTokenizer"}, {"model_max_length", config.model.max_positions},
      {"bos_token", "<s>"},  {"eos_token", "</s>"},  {"sep_token", "</s>"},    {"cls_token", "<s>"},
      {"unk_token", "<unk>"}, {"pad_token", "<pad>"}, {"mask_token", "<mask>"}, {"add_prefix_space", false},
      {"errors", "replace"},
  };
  std::ofstream(output + "/tokenizer_config.json") << tokenizer.dump(2) << "\n";
  fmt::print("exported step {} ({} parameters) to {}\n", reader.step, count_parameters(*model), output);
  return 0;
}

const RegisterCommand reg(
    "export-hf", "write a checkpoint as a Hugging Face RobertaForMaskedLM directory",
    [](CLI::App& sub) -> CommandRun {
      auto checkpoint = std::make_shared<std::string>();
      auto output = std::make_shared<std::string>();
      sub.add_option("--checkpoint", *checkpoint, "checkpoint directory")->required();
      sub.add_option("--output", *output, "directory to write")->required();
      return [checkpoint, output] { return run_export_hf(*checkpoint, *output); };
    },
    81);

}  // namespace
}  // namespace roberta::cli
