// Hand-encoded TensorBoard event files (see tensorboard.h). Field numbers from TensorFlow's
// event.proto / summary.proto: Event.wall_time = 1 (double), Event.step = 2 (int64),
// Event.file_version = 3 (string), Event.summary = 5 (Summary); Summary.value = 1 (Value);
// Value.tag = 1 (string), Value.simple_value = 2 (float).
#include "roberta/train/tensorboard.h"

#include "util/crc32c.h"
#include "util/error.h"

#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>

namespace roberta {
namespace tensorboard {
namespace {

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

void put_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void put_key(std::string& out, uint32_t field, WireType type) { put_varint(out, (field << 3) | type); }

template <typename T>
void put_little_endian(std::string& out, T value) {
  unsigned char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));  // x86 / ARM hosts are little-endian
  out.append(reinterpret_cast<const char*>(bytes), sizeof(T));
}

void put_bytes(std::string& out, uint32_t field, const std::string& bytes) {
  put_key(out, field, kLengthDelimited);
  put_varint(out, bytes.size());
  out += bytes;
}

}  // namespace

std::string encode_scalar_event(double wall_time, int64_t step, const std::string& tag,
                                float value) {
  std::string summary_value;
  put_bytes(summary_value, 1, tag);
  put_key(summary_value, 2, kFixed32);
  put_little_endian(summary_value, value);
  std::string summary;
  put_bytes(summary, 1, summary_value);

  std::string event;
  put_key(event, 1, kFixed64);
  put_little_endian(event, wall_time);
  put_key(event, 2, kVarint);
  put_varint(event, static_cast<uint64_t>(step));  // int64: negative steps take 10 bytes
  put_bytes(event, 5, summary);
  return event;
}

std::string encode_version_event(double wall_time) {
  std::string event;
  put_key(event, 1, kFixed64);
  put_little_endian(event, wall_time);
  put_bytes(event, 3, "brain.Event:2");
  return event;
}

std::string frame_record(const std::string& data) {
  std::string record;
  const uint64_t length = data.size();
  put_little_endian(record, length);
  put_little_endian(record, masked_crc32c(record.data(), sizeof(length)));
  record += data;
  put_little_endian(record, masked_crc32c(data.data(), data.size()));
  return record;
}

}  // namespace tensorboard

namespace {

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

std::string hostname() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

}  // namespace

TensorBoardWriter::TensorBoardWriter(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) fail("{}: cannot create the TensorBoard directory: {}", dir, error.message());
  const double wall_time = now_seconds();
  path_ = (std::filesystem::path(dir) /
           fmt::format("events.out.tfevents.{}.{}", static_cast<int64_t>(wall_time), hostname()))
              .string();
  file_.open(path_, std::ios::binary | std::ios::app);
  if (!file_) fail("{}: cannot open the TensorBoard event file for writing", path_);
  write_record(tensorboard::encode_version_event(wall_time));
  flush();
}

void TensorBoardWriter::add_scalar(const std::string& tag, double value, int64_t step) {
  write_record(tensorboard::encode_scalar_event(now_seconds(), step, tag, static_cast<float>(value)));
}

void TensorBoardWriter::flush() { file_.flush(); }

void TensorBoardWriter::write_record(const std::string& data) {
  file_ << tensorboard::frame_record(data);
  if (!file_) fail("{}: write failed (disk full?)", path_);
}

}  // namespace roberta
