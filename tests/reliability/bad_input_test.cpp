// Bad input at the CLI: every case must end with a non-zero exit status below 128 (an error,
// not a crash or an abort), an "error:" line naming what was wrong, and no C++ traceback.
// The parsers' own unit tests (tests/roberta/config, tests/data, tests/tokenizer,
// tests/roberta/interop) cover the message details; here the whole path through `roberta` is.
#include "tests/catch.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>

#include "tests/reliability/harness.h"

using namespace roberta::reliability;

namespace {

// A failed run: exit 1..127, an error line, no abort/terminate text; returns the output.
std::string expect_error(const Result& r) {
  INFO(r.output);
  CHECK(r.code > 0);
  CHECK(r.code < 128);
  CHECK_THAT(r.output, Catch::Matchers::ContainsSubstring("error:"));
  CHECK_THAT(r.output, !Catch::Matchers::ContainsSubstring("terminate called") && !Catch::Matchers::ContainsSubstring("Aborted") &&
                           !Catch::Matchers::ContainsSubstring("Segmentation"));
  return r.output;
}

#define EXPECT_ERROR_WITH(result, ...)                  \
  do {                                                  \
    const std::string out_ = expect_error(result);      \
    CHECK_THAT(out_, __VA_ARGS__);                      \
  } while (0)

// A short completed run (2 updates, checkpoint-2) shared by the checkpoint cases.
const fs::path& finished_run() {
  static TempDir dir("finished");
  static const fs::path out = [] {
    const fs::path o = dir.path / "run";
    write_text(dir.path / "exp.yaml", tiny_config(o, 2, "  save_every: 1\n"));
    Result r = run({"--threads", "1", "pretrain", "exp.yaml"}, dir.path);
    if (r.code != 0) throw std::runtime_error("tiny pretrain failed: " + r.output);
    return o;
  }();
  return out;
}

// Copies a checkpoint-2 of the finished run into a fresh run dir and returns that dir.
fs::path copy_run(const TempDir& dir) {
  const fs::path out = dir.path / "run";
  fs::create_directories(out);
  fs::copy(finished_run() / "checkpoint-2", out / "checkpoint-2", fs::copy_options::recursive);
  return out;
}

}  // namespace

TEST_CASE("bad configs through `roberta pretrain`: file, line, key, expected, found",
          "[reliability][bad-input]") {
  TempDir dir("badcfg");
  const std::string good = tiny_config(dir.path / "run", 2);
  auto pretrain_with = [&](const std::string& yaml) {
    write_text(dir.path / "bad.yaml", yaml);
    return run({"pretrain", "bad.yaml"}, dir.path);
  };
  SECTION("malformed YAML") {
    EXPECT_ERROR_WITH(pretrain_with(good + "model: {layers: 2\n"), Catch::Matchers::ContainsSubstring("bad.yaml"));
  }
  SECTION("unknown key, with a did-you-mean") {
    EXPECT_ERROR_WITH(pretrain_with(good + "optim: {lrr: 1.0e-3}\n"),
                      Catch::Matchers::ContainsSubstring("bad.yaml:") && Catch::Matchers::ContainsSubstring("lrr") && Catch::Matchers::ContainsSubstring("optim.lr"));
  }
  SECTION("wrong type") {
    EXPECT_ERROR_WITH(pretrain_with(good + "optim: {lr: fast}\n"),
                      Catch::Matchers::ContainsSubstring("bad.yaml:") && Catch::Matchers::ContainsSubstring("optim.lr") && Catch::Matchers::ContainsSubstring("fast"));
  }
  SECTION("out-of-range value") {
    EXPECT_ERROR_WITH(pretrain_with(good + "masking: {mask_prob: 1.5}\n"),
                      Catch::Matchers::ContainsSubstring("masking.mask_prob") && Catch::Matchers::ContainsSubstring("1.5"));
  }
  SECTION("a config file that does not exist") {
    EXPECT_ERROR_WITH(run({"pretrain", "missing.yaml"}, dir.path), Catch::Matchers::ContainsSubstring("missing.yaml"));
  }
  SECTION("binary garbage as a config") {
    std::string junk(4096, '\0');
    std::mt19937 rng(7);
    for (auto& c : junk) c = static_cast<char>(rng());
    EXPECT_ERROR_WITH(pretrain_with(junk), Catch::Matchers::ContainsSubstring("bad.yaml"));
  }
}

TEST_CASE("bad corpora through `roberta preprocess`", "[reliability][bad-input]") {
  TempDir dir("badcorpus");
  const std::string tok = (train_inputs().dir / "tok").string();
  auto preprocess = [&](const std::string& input) {
    return run({"preprocess", "--quiet", "--input", input, "--output", "shards", "--tokenizer", tok}, dir.path);
  };
  SECTION("missing file") {
    EXPECT_ERROR_WITH(preprocess("nope.txt"), Catch::Matchers::ContainsSubstring("nope.txt"));
    CHECK(!fs::exists(dir.path / "shards"));
  }
  SECTION("empty file, and a file of blank lines only") {
    write_text(dir.path / "empty.txt", "");
    EXPECT_ERROR_WITH(preprocess("empty.txt"), Catch::Matchers::ContainsSubstring("empty.txt") && Catch::Matchers::ContainsSubstring("no document"));
    write_text(dir.path / "blank.txt", "\n\n   \n\t\n\n");
    EXPECT_ERROR_WITH(preprocess("blank.txt"), Catch::Matchers::ContainsSubstring("blank.txt") && Catch::Matchers::ContainsSubstring("no document"));
    CHECK(!fs::exists(dir.path / "shards"));
  }
  SECTION("binary file") {
    std::string junk(8192, '\0');
    std::mt19937 rng(11);
    for (auto& c : junk) c = static_cast<char>(rng());
    write_text(dir.path / "image.bin", junk);
    EXPECT_ERROR_WITH(preprocess("image.bin"), Catch::Matchers::ContainsSubstring("image.bin") && Catch::Matchers::ContainsSubstring("binary"));
    CHECK(!fs::exists(dir.path / "shards"));
  }
  SECTION("a directory instead of a file") {
    fs::create_directories(dir.path / "adir");
    expect_error(preprocess("adir"));
  }
  SECTION("malformed JSONL names file and line") {
    write_text(dir.path / "docs.jsonl", "{\"text\": \"A fine first document.\"}\n{\"text\": broken\n");
    EXPECT_ERROR_WITH(preprocess("docs.jsonl"), Catch::Matchers::ContainsSubstring("docs.jsonl") && Catch::Matchers::ContainsSubstring("2"));
  }
  SECTION("invalid UTF-8 and empty documents are accepted: every byte is kept, blank documents dropped") {
    // Byte-level BPE encodes any byte; an invalid sequence is data, not an error.
    write_text(dir.path / "mixed.txt", "Caf\xe9 au lait. Na\xefve text.\n\n\n\n\nSecond document \xff\xfe here.\n");
    Result r = preprocess("mixed.txt");
    INFO(r.output);
    CHECK(r.code == 0);
    CHECK_THAT(r.output, Catch::Matchers::ContainsSubstring("2 documents"));
  }
}

TEST_CASE("a single 100 MB line is preprocessed in bounded time without a crash",
          "[reliability][bad-input][slow]") {
  TempDir dir("longline");
  {
    // 100 MB of words without a newline or sentence end.
    std::ofstream out(dir.path / "line.txt", std::ios::binary);
    const std::string words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do ";
    for (size_t written = 0; written < 100u * 1000 * 1000; written += words.size()) out << words;
  }
  const std::string tok = (train_inputs().dir / "tok").string();
  Result r = run({"preprocess", "--quiet", "--input", "line.txt", "--output", "shards", "--tokenizer", tok}, dir.path, 300);
  INFO(r.output.substr(0, 2000));
  CHECK(r.code == 0);
  CHECK_THAT(r.output, Catch::Matchers::ContainsSubstring("1 documents"));
  WARN("100 MB single line: preprocess exit " << r.code << " in " << r.seconds << " s");
}

TEST_CASE("damaged shards and manifests are refused when training starts", "[reliability][bad-input]") {
  TempDir dir("badshard");
  const fs::path shards = dir.path / "shards";
  fs::copy(train_inputs().dir / "shards", shards, fs::copy_options::recursive);
  std::string config = tiny_config(dir.path / "run", 2);
  config.replace(config.find((train_inputs().dir / "shards").string()), (train_inputs().dir / "shards").string().size(),
                 shards.string());
  write_text(dir.path / "exp.yaml", config);
  const fs::path shard = shards / "train" / "shard-00000.bin";
  const std::string original = read_text(shard);
  SECTION("truncated shard") {
    write_text(shard, original.substr(0, original.size() - 100));
    EXPECT_ERROR_WITH(run({"pretrain", "exp.yaml"}, dir.path),
                      Catch::Matchers::ContainsSubstring("shard-00000.bin") && Catch::Matchers::ContainsSubstring("truncated"));
  }
  SECTION("a flipped byte in the tokens") {
    // One byte in every 64 KiB token block, so that whichever block the first batch reads is
    // damaged. The shard opens (its index is intact); the loader's first read of a block stops
    // the run, and `verify-data` finds it without training.
    uint64_t num_tokens = 0;
    uint32_t dtype_bytes = 0;
    std::memcpy(&dtype_bytes, original.data() + 12, 4);
    std::memcpy(&num_tokens, original.data() + 16, 8);
    const uint64_t token_begin = original.size() - (num_tokens * dtype_bytes + 7) / 8 * 8;
    std::string damaged = original;
    for (uint64_t at = token_begin + 100; at < token_begin + num_tokens * dtype_bytes; at += 64 * 1024) {
      damaged[at] ^= 0x40;
    }
    write_text(shard, damaged);
    EXPECT_ERROR_WITH(run({"pretrain", "exp.yaml"}, dir.path),
                      Catch::Matchers::ContainsSubstring("shard-00000.bin") &&
                          Catch::Matchers::ContainsSubstring("corrupt token block"));
    EXPECT_ERROR_WITH(run({"verify-data", "shards/train"}, dir.path),
                      Catch::Matchers::ContainsSubstring("shard-00000.bin") &&
                          Catch::Matchers::ContainsSubstring("corrupt token block"));
  }
  SECTION("verify-data passes an intact dataset") {
    Result r = run({"verify-data", "shards/train"}, dir.path);
    INFO(r.output);
    CHECK(r.code == 0);
    CHECK_THAT(r.output, Catch::Matchers::ContainsSubstring("shards/train: ok: 1 shards"));
  }
  SECTION("one flipped byte in the sentence index") {
    // Checked when its index block is first read (the shard's tables are intact, so it opens),
    // before any batch is built from it.
    std::string damaged = original;
    damaged[64 + 8] ^= 0x40;
    write_text(shard, damaged);
    EXPECT_ERROR_WITH(run({"pretrain", "exp.yaml"}, dir.path),
                      Catch::Matchers::ContainsSubstring("shard-00000.bin") &&
                          Catch::Matchers::ContainsSubstring("corrupt sentence index block 0"));
  }
  SECTION("manifest cut short") {
    const std::string manifest = read_text(shards / "train" / "dataset.json");
    write_text(shards / "train" / "dataset.json", manifest.substr(0, manifest.size() / 2));
    EXPECT_ERROR_WITH(run({"pretrain", "exp.yaml"}, dir.path), Catch::Matchers::ContainsSubstring("dataset.json"));
  }
  SECTION("manifest naming a shard that is not there") {
    std::string manifest = read_text(shards / "train" / "dataset.json");
    manifest.replace(manifest.find("shard-00000.bin"), 15, "shard-00009.bin");
    write_text(shards / "train" / "dataset.json", manifest);
    EXPECT_ERROR_WITH(run({"pretrain", "exp.yaml"}, dir.path), Catch::Matchers::ContainsSubstring("shard-00009.bin"));
  }
}

TEST_CASE("truncated and corrupted checkpoints, and checkpoints of another config, are refused "
          "on resume", "[reliability][bad-input]") {
  TempDir dir("badckpt");
  const fs::path out = copy_run(dir);
  const fs::path weights = out / "checkpoint-2" / "model.safetensors";
  write_text(dir.path / "exp.yaml", tiny_config(out, 4, "  save_every: 1\n"));
  SECTION("truncated weights") {
    const std::string bytes = read_text(weights);
    write_text(weights, bytes.substr(0, bytes.size() / 2));
    EXPECT_ERROR_WITH(run({"pretrain", "exp.yaml", "--resume"}, dir.path),
                      Catch::Matchers::ContainsSubstring("model.safetensors") && Catch::Matchers::ContainsSubstring(std::to_string(bytes.size())));
  }
  SECTION("a flipped byte in the optimizer state") {
    std::string bytes = read_text(out / "checkpoint-2" / "optimizer.pt");
    bytes[bytes.size() / 2] ^= 0x01;
    write_text(out / "checkpoint-2" / "optimizer.pt", bytes);
    EXPECT_ERROR_WITH(run({"pretrain", "exp.yaml", "--resume"}, dir.path),
                      Catch::Matchers::ContainsSubstring("optimizer.pt") && Catch::Matchers::ContainsSubstring("CRC-32C"));
  }
  SECTION("checkpoint.json missing: not a checkpoint, --resume says there is none") {
    fs::remove(out / "checkpoint-2" / "checkpoint.json");
    EXPECT_ERROR_WITH(run({"pretrain", "exp.yaml", "--resume"}, dir.path), Catch::Matchers::ContainsSubstring("--resume"));
  }
  SECTION("a checkpoint of another model shape lists the mismatching tensors") {
    std::string config = tiny_config(out, 4, "  save_every: 1\n");
    config.replace(config.find("hidden: 32"), 10, "hidden: 48");
    write_text(dir.path / "exp.yaml", config);
    EXPECT_ERROR_WITH(run({"pretrain", "exp.yaml", "--resume"}, dir.path),
                      Catch::Matchers::ContainsSubstring("embeddings.word_embeddings.weight") && Catch::Matchers::ContainsSubstring("32") &&
                          Catch::Matchers::ContainsSubstring("48"));
  }
}

TEST_CASE("malformed vocab.json / merges.txt through `roberta tokenizer encode`", "[reliability][bad-input]") {
  TempDir dir("badtok");
  const fs::path tok = dir.path / "tok";
  fs::copy(train_inputs().dir / "tok", tok);
  const std::string vocab = read_text(tok / "vocab.json");
  const std::string merges = read_text(tok / "merges.txt");
  write_text(dir.path / "in.txt", "hello world\n");
  auto encode = [&] { return run({"tokenizer", "encode", "--tokenizer", "tok", "in.txt"}, dir.path); };
  SECTION("vocab.json cut short") {
    write_text(tok / "vocab.json", vocab.substr(0, vocab.size() / 2));
    EXPECT_ERROR_WITH(encode(), Catch::Matchers::ContainsSubstring("vocab.json"));
  }
  SECTION("vocab.json is a JSON array") {
    write_text(tok / "vocab.json", "[1, 2, 3]");
    EXPECT_ERROR_WITH(encode(), Catch::Matchers::ContainsSubstring("vocab.json"));
  }
  SECTION("merges.txt with a malformed line names the line") {
    write_text(tok / "merges.txt", merges + "onlyonetoken\n");
    const size_t line = static_cast<size_t>(std::count(merges.begin(), merges.end(), '\n')) + 1;
    EXPECT_ERROR_WITH(encode(), Catch::Matchers::ContainsSubstring("merges.txt:" + std::to_string(line)));
  }
  SECTION("merges.txt naming unknown tokens") {
    write_text(tok / "merges.txt", merges + "zzqq xxyy\n");
    EXPECT_ERROR_WITH(encode(), Catch::Matchers::ContainsSubstring("merges.txt") && Catch::Matchers::ContainsSubstring("zzqq"));
  }
  SECTION("binary merges.txt") {
    write_text(tok / "merges.txt", std::string("#version: 0.2\n\0\0\xff\xfe junk\n", 24));
    expect_error(encode());
  }
}

TEST_CASE("hostile safetensors headers through `roberta import-hf`", "[reliability][bad-input]") {
  TempDir dir("badst");
  const fs::path model = dir.path / "hf";
  fs::create_directories(model);
  // A valid Hugging Face config.json of a tiny RobertaForMaskedLM: only the weights are hostile.
  write_text(model / "config.json",
             R"({"architectures": ["RobertaForMaskedLM"], "model_type": "roberta", "vocab_size": 100, )"
             R"("hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 64, )"
             R"("max_position_embeddings": 34, "type_vocab_size": 1, "layer_norm_eps": 1e-05, "pad_token_id": 1, )"
             R"("bos_token_id": 0, "eos_token_id": 2, "hidden_act": "gelu", "hidden_dropout_prob": 0.1, )"
             R"("attention_probs_dropout_prob": 0.1, "initializer_range": 0.02})");
  auto with_header = [&](const std::string& header, size_t data_bytes, uint64_t declared = 0) {
    std::string file(8, '\0');
    const uint64_t n = declared ? declared : header.size();
    for (int i = 0; i < 8; ++i) file[i] = static_cast<char>(n >> (8 * i));
    file += header + std::string(data_bytes, '\0');
    write_text(model / "model.safetensors", file);
    return run({"import-hf", "--input", "hf", "--output", "ckpt"}, dir.path);
  };
  SECTION("offsets past the end") {
    EXPECT_ERROR_WITH(with_header(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8),
                      Catch::Matchers::ContainsSubstring("model.safetensors") && Catch::Matchers::ContainsSubstring("outside"));
  }
  SECTION("overlapping tensors") {
    EXPECT_ERROR_WITH(with_header(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                  R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 16),
                      Catch::Matchers::ContainsSubstring("overlap"));
  }
  SECTION("a huge shape") {
    EXPECT_ERROR_WITH(with_header(R"({"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,16]}})", 16),
                      Catch::Matchers::ContainsSubstring("model.safetensors"));
  }
  SECTION("a header length of 2^63") {
    EXPECT_ERROR_WITH(with_header("{}", 0, uint64_t{1} << 63), Catch::Matchers::ContainsSubstring("header length"));
  }
  CHECK(!fs::exists(dir.path / "ckpt"));
}
