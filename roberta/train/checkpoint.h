// Checkpoint format v1: a directory
//   model.safetensors  weights under Hugging Face names (roberta/interop/weights.h)
//   config.yaml        the resolved config the run used
//   checkpoint.json    {"magic": "roberta-checkpoint", "format_version": 1, "step": N,
//                       "files": {"name": {"bytes": n, "crc32c": "xxxxxxxx"}, ...}, "info": {...}}
//   ...                files the trainer adds (optimizer.pt, trainer_state.json, loader position)
// It is written into a temporary sibling directory, every file fsync'd, then renamed into place,
// so a crash mid-save never leaves a half checkpoint under the real name.
#pragma once

#include <torch/nn/module.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "roberta/interop/weights.h"

namespace roberta {

inline constexpr const char* kCheckpointMagic = "roberta-checkpoint";
inline constexpr int kCheckpointFormatVersion = 1;
inline constexpr const char* kCheckpointWeightsFile = "model.safetensors";
inline constexpr const char* kCheckpointConfigFile = "config.yaml";
inline constexpr const char* kCheckpointManifestFile = "checkpoint.json";

class CheckpointWriter {
 public:
  // final_dir: where the checkpoint will be after commit(); a temporary sibling
  // (final_dir + ".tmp-<pid>") is created now and removed if commit() never runs.
  explicit CheckpointWriter(std::string final_dir);
  ~CheckpointWriter();
  CheckpointWriter(const CheckpointWriter&) = delete;
  CheckpointWriter& operator=(const CheckpointWriter&) = delete;

  // Where to write file `name` before commit (inside the temporary directory).
  std::string path(const std::string& name) const;
  // Declares a file the caller wrote at path(name); it is checksummed and listed on commit.
  void add_file(const std::string& name);
  // Writes model.safetensors from the module's parameters.
  void save_weights(const torch::nn::Module& module);
  // Writes config.yaml and checkpoint.json, fsyncs, and renames into final_dir (replacing an
  // older checkpoint of that name). info: free-form strings stored in checkpoint.json.
  void commit(int64_t step, const std::string& config_yaml, const std::map<std::string, std::string>& info = {});

  const std::string& final_dir() const { return final_dir_; }

 private:
  std::string final_dir_;
  std::string temp_dir_;
  std::vector<std::string> extra_files_;
  bool committed_ = false;
};

struct CheckpointReader {
  std::string dir;
  int64_t step = 0;
  int format_version = 0;
  std::string config_yaml;                   // the resolved config text
  std::vector<std::string> files;            // every file listed in checkpoint.json
  std::map<std::string, std::string> info;   // CheckpointWriter::commit's info

  // Reads checkpoint.json and checks magic, version and (when verify_checksums) every file's
  // size and CRC-32C; any problem is a roberta::Error naming the file, expected and found.
  static CheckpointReader open(const std::string& dir, bool verify_checksums = true);

  std::string path(const std::string& name) const { return dir + "/" + name; }
  bool has_file(const std::string& name) const;
  // Loads model.safetensors into the module (errors list every mismatching tensor).
  LoadWeightsReport load_weights(torch::nn::Module& module, const LoadWeightsOptions& options = {}) const;
};

// CRC-32C of a whole file, and its size in bytes.
std::pair<uint32_t, uint64_t> file_crc32c(const std::string& path);

}  // namespace roberta
