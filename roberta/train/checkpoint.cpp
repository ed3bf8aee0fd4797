// See checkpoint.h.
#include "roberta/train/checkpoint.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "util/crc32c.h"
#include "util/error.h"

namespace roberta {

namespace fs = std::filesystem;

namespace {

// fsync a file or directory so the rename below publishes only data that is on disk.
void fsync_path(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) fail("{}: cannot open to sync: {}", path, std::strerror(errno));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) fail("{}: fsync failed: {}", path, std::strerror(errno));
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) fail("{}: cannot write: {}", path, std::strerror(errno));
}

std::string hex32(uint32_t value) { return fmt::format("{:08x}", value); }

std::string strip_slashes(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

bool valid_file_name(const std::string& name) {
  return !name.empty() && name.find('/') == std::string::npos && name != "." && name != "..";
}

}  // namespace

std::pair<uint32_t, uint64_t> file_crc32c(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("{}: cannot open: {}", path, std::strerror(errno));
  struct stat st {};
  ::fstat(fd, &st);
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    return {crc32c("", 0), 0};
  }
  void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (data == MAP_FAILED) fail("{}: cannot mmap: {}", path, std::strerror(errno));
  uint32_t crc = crc32c(data, size);
  ::munmap(data, size);
  return {crc, size};
}

CheckpointWriter::CheckpointWriter(std::string final_dir) : final_dir_(strip_slashes(std::move(final_dir))) {
  temp_dir_ = fmt::format("{}.tmp-{}", final_dir_, ::getpid());
  std::error_code ec;
  fs::remove_all(temp_dir_, ec);  // left over from a crash of this same pid number
  fs::create_directories(temp_dir_, ec);
  if (ec) fail("{}: cannot create checkpoint directory: {}", temp_dir_, ec.message());
}

CheckpointWriter::~CheckpointWriter() {
  if (!committed_) {
    std::error_code ec;
    fs::remove_all(temp_dir_, ec);
  }
}

std::string CheckpointWriter::path(const std::string& name) const { return temp_dir_ + "/" + name; }

void CheckpointWriter::add_file(const std::string& name) {
  if (!valid_file_name(name)) fail("checkpoint file name '{}': expected a plain file name", name);
  if (name == kCheckpointWeightsFile || name == kCheckpointConfigFile || name == kCheckpointManifestFile) return;
  if (std::find(extra_files_.begin(), extra_files_.end(), name) == extra_files_.end()) extra_files_.push_back(name);
}

void CheckpointWriter::save_weights(const torch::nn::Module& module) {
  roberta::save_weights(module, path(kCheckpointWeightsFile), {false, {{"format", "pt"}}});
}

void CheckpointWriter::commit(int64_t step, const std::string& config_yaml, const std::map<std::string, std::string>& info) {
  TORCH_CHECK(!committed_, "checkpoint already committed");
  if (!fs::exists(path(kCheckpointWeightsFile))) {
    fail("{}: no {} written before commit (call save_weights)", temp_dir_, kCheckpointWeightsFile);
  }
  write_text(path(kCheckpointConfigFile), config_yaml);

  nlohmann::json manifest;
  manifest["magic"] = kCheckpointMagic;
  manifest["format_version"] = kCheckpointFormatVersion;
  manifest["step"] = step;
  manifest["info"] = info;
  std::vector<std::string> names = {kCheckpointWeightsFile, kCheckpointConfigFile};
  names.insert(names.end(), extra_files_.begin(), extra_files_.end());
  nlohmann::json files = nlohmann::json::object();
  for (const auto& name : names) {
    if (!fs::is_regular_file(path(name))) fail("{}: declared checkpoint file was not written", path(name));
    fsync_path(path(name), false);
    auto [crc, bytes] = file_crc32c(path(name));
    files[name] = {{"bytes", bytes}, {"crc32c", hex32(crc)}};
  }
  manifest["files"] = files;
  write_text(path(kCheckpointManifestFile), manifest.dump(1) + "\n");
  fsync_path(path(kCheckpointManifestFile), false);
  fsync_path(temp_dir_, true);

  // rename(2) cannot replace a non-empty directory: move the old one aside first. Between the
  // two renames the old checkpoint exists under the .old name, never a half-written one.
  std::error_code ec;
  std::string old_dir;
  if (fs::exists(final_dir_)) {
    old_dir = fmt::format("{}.old-{}", final_dir_, ::getpid());
    fs::remove_all(old_dir, ec);
    fs::rename(final_dir_, old_dir, ec);
    if (ec) fail("{}: cannot move the previous checkpoint aside: {}", final_dir_, ec.message());
  }
  fs::rename(temp_dir_, final_dir_, ec);
  if (ec) fail("{}: cannot rename {} into place: {}", final_dir_, temp_dir_, ec.message());
  committed_ = true;
  fs::path parent = fs::path(final_dir_).parent_path();
  fsync_path(parent.empty() ? "." : parent.string(), true);
  if (!old_dir.empty()) fs::remove_all(old_dir, ec);
}

bool CheckpointReader::has_file(const std::string& name) const {
  return std::find(files.begin(), files.end(), name) != files.end();
}

CheckpointReader CheckpointReader::open(const std::string& dir_in, bool verify_checksums) {
  CheckpointReader reader;
  reader.dir = strip_slashes(dir_in);
  const std::string manifest_path = reader.path(kCheckpointManifestFile);
  if (!fs::is_directory(reader.dir)) fail("{}: checkpoint directory does not exist", reader.dir);
  std::ifstream in(manifest_path);
  if (!in) fail("{}: not a checkpoint: {} is missing", reader.dir, kCheckpointManifestFile);
  nlohmann::json manifest;
  try {
    in >> manifest;
  } catch (const nlohmann::json::exception& e) {
    fail("{}: not valid JSON: {}", manifest_path, e.what());
  }
  try {
    if (!manifest.is_object() || manifest.value("magic", "") != kCheckpointMagic) {
      fail("{}: expected magic \"{}\", found {}", manifest_path, kCheckpointMagic,
           manifest.is_object() && manifest.contains("magic") ? manifest["magic"].dump() : "none");
    }
    reader.format_version = manifest.at("format_version").get<int>();
    if (reader.format_version != kCheckpointFormatVersion) {
      fail("{}: expected format_version {}, found {} (written by a {} version of roberta)", manifest_path,
           kCheckpointFormatVersion, reader.format_version,
           reader.format_version > kCheckpointFormatVersion ? "newer" : "different");
    }
    reader.step = manifest.at("step").get<int64_t>();
    if (manifest.contains("info")) reader.info = manifest["info"].get<std::map<std::string, std::string>>();
    for (auto it = manifest.at("files").begin(); it != manifest.at("files").end(); ++it) {
      const std::string& name = it.key();
      if (!valid_file_name(name)) fail("{}: file name '{}' is not a plain file name", manifest_path, name);
      reader.files.push_back(name);
      if (!verify_checksums) continue;
      const std::string file = reader.path(name);
      if (!fs::is_regular_file(file)) fail("{}: listed in {} but missing", file, kCheckpointManifestFile);
      auto [crc, bytes] = file_crc32c(file);
      const uint64_t expected_bytes = it.value().at("bytes").get<uint64_t>();
      const std::string expected_crc = it.value().at("crc32c").get<std::string>();
      if (bytes != expected_bytes) {
        fail("{}: expected {} bytes (from {}), found {}: the checkpoint is truncated or corrupt", file, expected_bytes,
             kCheckpointManifestFile, bytes);
      }
      if (hex32(crc) != expected_crc) {
        fail("{}: expected CRC-32C {} (from {}), found {}: the checkpoint is corrupt", file, expected_crc,
             kCheckpointManifestFile, hex32(crc));
      }
    }
  } catch (const nlohmann::json::exception& e) {
    fail("{}: malformed checkpoint manifest: {}", manifest_path, e.what());
  }
  for (const char* required : {kCheckpointWeightsFile, kCheckpointConfigFile}) {
    if (!reader.has_file(required)) fail("{}: does not list {}", manifest_path, required);
  }
  std::ifstream config(reader.path(kCheckpointConfigFile), std::ios::binary);
  std::stringstream text;
  text << config.rdbuf();
  reader.config_yaml = text.str();
  return reader;
}

LoadWeightsReport CheckpointReader::load_weights(torch::nn::Module& module, const LoadWeightsOptions& options) const {
  return roberta::load_weights(module, path(kCheckpointWeightsFile), options);
}

}  // namespace roberta
