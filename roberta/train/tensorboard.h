// A TensorBoard event-file writer for scalars, with no protobuf dependency: the Event and
// Summary messages are encoded by hand (only the fields scalars need) and framed as TFRecords
// (length, masked CRC32C of the length, data, masked CRC32C of the data).
// File: <dir>/events.out.tfevents.<unix seconds>.<hostname>; TensorBoard reads any such file.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

namespace roberta {

namespace tensorboard {
// The protobuf bytes of an Event{wall_time, step, summary{value{tag, simple_value}}}.
std::string encode_scalar_event(double wall_time, int64_t step, const std::string& tag,
                                float value);
// The protobuf bytes of the first Event of every file: Event{wall_time, file_version}.
std::string encode_version_event(double wall_time);
// One TFRecord: u64 length LE, u32 masked crc(length), data, u32 masked crc(data).
std::string frame_record(const std::string& data);
}  // namespace tensorboard

class TensorBoardWriter {
 public:
  // Creates `dir` if needed and opens a new event file there; Error naming it on failure.
  explicit TensorBoardWriter(const std::string& dir);

  // tag like "train/loss"; steps need not be increasing (TensorBoard sorts by step).
  void add_scalar(const std::string& tag, double value, int64_t step);
  void flush();
  const std::string& path() const { return path_; }

 private:
  void write_record(const std::string& data);
  std::string path_;
  std::ofstream file_;
};

}  // namespace roberta
