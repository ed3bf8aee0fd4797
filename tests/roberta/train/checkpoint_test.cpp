// Checkpoint format v1: round trip, atomic replacement, and every way a checkpoint can be
// broken (missing manifest, wrong magic, newer version, corrupted or truncated files,
// weights that do not fit the model).
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "roberta/model/task_models.h"
#include "roberta/train/checkpoint.h"
#include "util/crc32c.h"
#include "util/error.h"

#include "tests/catch.h"

using namespace roberta;
namespace fs = std::filesystem;

namespace {

ModelOptions small_options() {
  ModelOptions o;
  o.layers = 1;
  o.hidden = 16;
  o.heads = 2;
  o.ffn = 32;
  o.vocab_size = 30;
  o.max_positions = 8;
  return o;
}

struct TempDir {
  fs::path root = fs::temp_directory_path() / fmt::format("roberta_ckpt_{}_{}", ::getpid(), counter()++);
  TempDir() { fs::create_directories(root); }
  ~TempDir() { fs::remove_all(root); }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

std::string write_checkpoint(const fs::path& dir, torch::nn::Module& model, int64_t step) {
  CheckpointWriter writer(dir.string());
  writer.save_weights(model);
  std::ofstream(writer.path("trainer_state.json")) << "{\"epoch\": 3}";
  writer.add_file("trainer_state.json");
  writer.commit(step, "model:\n  layers: 1\n", {{"created_by", "test"}});
  return dir.string();
}

void require_error(const std::string& dir, const std::string& fragment) {
  try {
    CheckpointReader::open(dir);
    FAIL("no error");
  } catch (const Error& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find(fragment) != std::string::npos);
  }
}

void flip_byte(const fs::path& file, size_t offset) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(c ^ 0x5a));
}

}  // namespace

TEST_CASE("CRC-32C of the standard check string", "[checkpoint]") {
  // The CRC catalogue's check value for CRC-32C over "123456789".
  CHECK(crc32c("123456789") == 0xE3069283u);
}

TEST_CASE("checkpoint round trip: weights, config, step, extra files, info", "[checkpoint]") {
  TempDir tmp;
  at::manual_seed(1);
  RobertaForMaskedLM a(small_options());
  std::string dir = write_checkpoint(tmp.root / "ckpt", *a, 1234);

  CHECK(fs::exists(tmp.root / "ckpt" / "model.safetensors"));
  for (const auto& entry : fs::directory_iterator(tmp.root)) {
    CHECK(entry.path().filename() == "ckpt");  // no temporary sibling left behind
  }
  CheckpointReader reader = CheckpointReader::open(dir + "/");
  CHECK(reader.step == 1234);
  CHECK(reader.format_version == 1);
  CHECK(reader.config_yaml == "model:\n  layers: 1\n");
  CHECK(reader.has_file("trainer_state.json"));
  CHECK(reader.info.at("created_by") == "test");

  nlohmann::json manifest;
  std::ifstream(tmp.root / "ckpt" / "checkpoint.json") >> manifest;
  CHECK(manifest["magic"] == "roberta-checkpoint");
  CHECK(manifest["format_version"] == 1);
  CHECK(manifest["files"]["config.yaml"]["crc32c"] == fmt::format("{:08x}", crc32c("model:\n  layers: 1\n")));

  at::manual_seed(2);
  RobertaForMaskedLM b(small_options());
  reader.load_weights(*b);
  for (const auto& p : a->named_parameters()) {
    INFO(p.key());
    CHECK(p.value().equal(b->named_parameters()[p.key()]));
  }
}

TEST_CASE("committing over an existing checkpoint replaces it, an uncommitted writer leaves nothing", "[checkpoint]") {
  TempDir tmp;
  RobertaForMaskedLM model(small_options());
  write_checkpoint(tmp.root / "ckpt", *model, 1);
  write_checkpoint(tmp.root / "ckpt", *model, 2);
  CHECK(CheckpointReader::open((tmp.root / "ckpt").string()).step == 2);
  {
    CheckpointWriter writer((tmp.root / "ckpt").string());
    writer.save_weights(*model);
    // A crash here (no commit): the writer goes away.
  }
  CHECK(CheckpointReader::open((tmp.root / "ckpt").string()).step == 2);
  int entries = 0;
  for (const auto& entry : fs::directory_iterator(tmp.root)) entries += entry.is_directory();
  CHECK(entries == 1);
  {
    CheckpointWriter writer((tmp.root / "none").string());
    CHECK_THROWS_AS(writer.commit(1, ""), Error);  // no weights written
  }
  CHECK_FALSE(fs::exists(tmp.root / "none"));
}

TEST_CASE("broken checkpoints give errors naming the file, expected and found", "[checkpoint]") {
  TempDir tmp;
  RobertaForMaskedLM model(small_options());
  const fs::path dir = tmp.root / "ckpt";
  require_error((tmp.root / "absent").string(), "does not exist");

  write_checkpoint(dir, *model, 7);
  flip_byte(dir / "model.safetensors", 200);
  require_error(dir.string(), "model.safetensors: expected CRC-32C");

  write_checkpoint(dir, *model, 7);
  fs::resize_file(dir / "trainer_state.json", 3);
  require_error(dir.string(), "trainer_state.json: expected 12 bytes");

  write_checkpoint(dir, *model, 7);
  fs::remove(dir / "config.yaml");
  require_error(dir.string(), "config.yaml: listed in checkpoint.json but missing");

  write_checkpoint(dir, *model, 7);
  nlohmann::json manifest;
  std::ifstream(dir / "checkpoint.json") >> manifest;
  manifest["format_version"] = 2;
  std::ofstream(dir / "checkpoint.json") << manifest.dump();
  require_error(dir.string(), "expected format_version 1, found 2 (written by a newer version");
  manifest["format_version"] = 1;
  manifest["magic"] = "something-else";
  std::ofstream(dir / "checkpoint.json") << manifest.dump();
  require_error(dir.string(), "expected magic \"roberta-checkpoint\", found \"something-else\"");
  std::ofstream(dir / "checkpoint.json") << "{not json";
  require_error(dir.string(), "not valid JSON");
  fs::remove(dir / "checkpoint.json");
  require_error(dir.string(), "not a checkpoint");
}

TEST_CASE("loading a checkpoint into a model of another shape lists the tensors", "[checkpoint]") {
  TempDir tmp;
  ModelOptions bigger = small_options();
  bigger.ffn = 48;
  RobertaForMaskedLM a(bigger);
  write_checkpoint(tmp.root / "ckpt", *a, 1);
  RobertaForMaskedLM b(small_options());
  try {
    CheckpointReader::open((tmp.root / "ckpt").string()).load_weights(*b);
    FAIL("no error");
  } catch (const Error& e) {
    std::string m = e.what();
    INFO(m);
    CHECK(m.find("3 tensor(s) with the wrong shape") != std::string::npos);
    CHECK(m.find("roberta.encoder.layer.0.intermediate.dense.weight: expected [32, 16], found [48, 16]") !=
          std::string::npos);
    CHECK(m.find("roberta.encoder.layer.0.output.dense.weight: expected [16, 32], found [16, 48]") != std::string::npos);
  }
}
