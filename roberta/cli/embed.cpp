// `roberta embed --model DIR --input FILE --output FILE [--pool cls|mean]`: one feature vector
// per input line (space-separated floats), from the encoder's last layer: the <s> vector or
// the mean over the real tokens.
#include <fmt/format.h>

#include <fstream>

#include "roberta/cli/command.h"
#include "roberta/model/roberta_model.h"
#include "roberta/tasks/embedder.h"
#include "roberta/tasks/pretrained.h"
#include "roberta/train/precision.h"
#include "util/error.h"

namespace roberta::cli {
namespace {

// The encoder under the name "roberta", so every head model's file loads into it.
struct EncoderOnly : torch::nn::Module {
  explicit EncoderOnly(const ModelOptions& options) { roberta = register_module("roberta", RobertaModel(options)); }
  RobertaModel roberta{nullptr};
};

struct EmbedArgs {
  std::string model, input, output, pool = "cls";
  int64_t batch = 32;
};

int run_embed(const EmbedArgs& a) {
  const Pooling pooling = parse_pooling(a.pool);
  PretrainedModel m = load_pretrained(a.model);
  EncoderOnly encoder(m.config.model);
  m.load_into(encoder, {/*allow_missing=*/false, /*allow_unexpected=*/true});
  encoder.to(resolve_device(DeviceKind::automatic));
  std::ifstream in(a.input);
  if (!in) fail("{}: cannot open (expected one text per line)", a.input);
  std::vector<std::string> texts;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    texts.push_back(line);
  }
  std::ofstream out(a.output);
  if (!out) fail("{}: cannot write", a.output);
  const int64_t max_len = m.config.model.max_positions;
  for (size_t s = 0; s < texts.size(); s += 256) {  // bounded memory for long files
    std::vector<std::string> chunk(texts.begin() + int64_t(s), texts.begin() + int64_t(std::min(texts.size(), s + 256)));
    at::Tensor v = embed_texts(encoder.roberta, m.tokenizer, chunk, pooling, max_len, a.batch).contiguous();  // [N,H]
    auto acc = v.accessor<float, 2>();
    for (int64_t i = 0; i < v.size(0); ++i) {
      std::string line;
      for (int64_t h = 0; h < v.size(1); ++h) line += fmt::format(h ? " {:.6g}" : "{:.6g}", acc[i][h]);
      out << line << "\n";
    }
  }
  fmt::print("wrote {} vectors of {} to {}\n", texts.size(), m.config.model.hidden, a.output);
  return 0;
}

const RegisterCommand registered_embed(
    "embed", "write one feature vector per input line (<s> or mean pooling)",
    [](CLI::App& sub) -> CommandRun {
      auto a = std::make_shared<EmbedArgs>();
      sub.add_option("--model", a->model, "run, checkpoint or Hugging Face directory")->required();
      sub.add_option("--input", a->input, "text file, one text per line")->required();
      sub.add_option("--output", a->output, "output file, one vector per line")->required();
      sub.add_option("--pool", a->pool, "cls (the <s> vector) or mean (over real tokens)");
      sub.add_option("--batch", a->batch, "texts per forward pass")->check(CLI::PositiveNumber);
      return [a] { return run_embed(*a); };
    },
    44);

}  // namespace
}  // namespace roberta::cli
