// CRC32C against published vectors (RFC 3720 B.4 and the "123456789" check value), and event
// files decoded by a minimal protobuf/TFRecord reader written here from the format specs.
#include "util/crc32c.h"
#include "roberta/train/tensorboard.h"

#include "tests/catch.h"

#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace {

uint32_t unmask(uint32_t masked) {
  const uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

// One decoded protobuf field: varint / fixed values as raw bits, length-delimited as bytes.
struct Field {
  uint32_t number;
  uint32_t wire;
  uint64_t bits = 0;
  std::string bytes;
};

std::vector<Field> decode(const std::string& message) {
  std::vector<Field> fields;
  size_t i = 0;
  auto varint = [&] {
    uint64_t value = 0;
    for (int shift = 0;; shift += 7) {
      REQUIRE(i < message.size());
      const auto byte = static_cast<uint8_t>(message[i++]);
      value |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if (!(byte & 0x80)) return value;
    }
  };
  while (i < message.size()) {
    const uint64_t key = varint();
    Field f{static_cast<uint32_t>(key >> 3), static_cast<uint32_t>(key & 7)};
    if (f.wire == 0) {
      f.bits = varint();
    } else if (f.wire == 1 || f.wire == 5) {
      const size_t n = f.wire == 1 ? 8 : 4;
      REQUIRE(i + n <= message.size());
      std::memcpy(&f.bits, message.data() + i, n);
      i += n;
    } else {
      REQUIRE(f.wire == 2);
      const uint64_t n = varint();
      REQUIRE(i + n <= message.size());
      f.bytes = message.substr(i, n);
      i += n;
    }
    fields.push_back(f);
  }
  return fields;
}

const Field& field(const std::vector<Field>& fields, uint32_t number) {
  for (const auto& f : fields)
    if (f.number == number) return f;
  FAIL("field " << number << " missing");
  return fields.front();
}

// Splits a TFRecord stream, checking both CRCs of every record.
std::vector<std::string> read_records(const std::string& stream) {
  std::vector<std::string> records;
  size_t i = 0;
  while (i < stream.size()) {
    REQUIRE(i + 12 <= stream.size());
    uint64_t length;
    uint32_t length_crc, data_crc;
    std::memcpy(&length, stream.data() + i, 8);
    std::memcpy(&length_crc, stream.data() + i + 8, 4);
    CHECK(unmask(length_crc) == roberta::crc32c(stream.data() + i, 8));
    REQUIRE(i + 12 + length + 4 <= stream.size());
    records.push_back(stream.substr(i + 12, length));
    std::memcpy(&data_crc, stream.data() + i + 12 + length, 4);
    CHECK(unmask(data_crc) == roberta::crc32c(records.back()));
    i += 12 + length + 4;
  }
  return records;
}

}  // namespace

TEST_CASE("masked CRC-32C is TensorFlow's mask of the CRC", "[train][tensorboard]") {
  const uint32_t crc = roberta::crc32c("123456789");
  const uint32_t masked = roberta::masked_crc32c("123456789", 9);
  CHECK(masked != crc);
  CHECK(unmask(masked) == crc);
}

TEST_CASE("TFRecord framing of a known payload", "[train][tensorboard]") {
  const std::string record = roberta::tensorboard::frame_record("abc");
  REQUIRE(record.size() == 8 + 4 + 3 + 4);
  CHECK(record.substr(0, 8) == std::string("\x03\0\0\0\0\0\0\0", 8));
  CHECK(record.substr(12, 3) == "abc");
  CHECK(read_records(record) == std::vector<std::string>{"abc"});
}

namespace {

// An event file with two scalars, in a directory of its own; returns its path.
std::string write_two_scalars(const std::filesystem::path& dir) {
  std::filesystem::remove_all(dir);
  roberta::TensorBoardWriter writer(dir.string());
  writer.add_scalar("train/loss", 7.25, 120);
  writer.add_scalar("train/lr", 4e-4, 300);
  writer.flush();
  return writer.path();
}

}  // namespace

TEST_CASE("event files decode to the version event and scalar summaries",
          "[train][tensorboard]") {
  const auto dir = std::filesystem::temp_directory_path() / ("roberta_tb_test_" + std::to_string(::getpid()));
  const std::string path = write_two_scalars(dir);
  CHECK(std::filesystem::path(path).filename().string().rfind("events.out.tfevents.", 0) == 0);
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const auto records = read_records(buffer.str());
  REQUIRE(records.size() == 3);

  auto version = decode(records[0]);
  CHECK(field(version, 3).bytes == "brain.Event:2");
  double wall_time;
  std::memcpy(&wall_time, &field(version, 1).bits, 8);
  CHECK(wall_time > 1.6e9);  // after 2020: a real Unix time in seconds

  struct Want {
    const char* tag;
    float value;
    uint64_t step;
  } wants[] = {{"train/loss", 7.25f, 120}, {"train/lr", 4e-4f, 300}};
  for (int k = 0; k < 2; ++k) {
    auto event = decode(records[k + 1]);
    CHECK(field(event, 1).wire == 1);
    CHECK(field(event, 2).bits == wants[k].step);
    auto summary = decode(field(event, 5).bytes);
    auto value = decode(field(summary, 1).bytes);
    CHECK(field(value, 1).bytes == wants[k].tag);
    REQUIRE(field(value, 2).wire == 5);
    float simple_value;
    std::memcpy(&simple_value, &field(value, 2).bits, 4);
    CHECK(simple_value == wants[k].value);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("event files decode with Google's protobuf runtime, every CRC checked", "[train][tensorboard]") {
  // A second opinion independent of our decoder: TensorFlow's schema through python3-protobuf.
  if (std::system("/usr/bin/python3 -c 'import google.protobuf' >/dev/null 2>&1") != 0) {
    ROBERTA_SKIP("python3-protobuf is not installed (apt-get install python3-protobuf)");
  }
  const auto dir = std::filesystem::temp_directory_path() / ("roberta_tb_protobuf_" + std::to_string(::getpid()));
  const std::string path = write_two_scalars(dir);
  const std::string command = std::string("/usr/bin/python3 ") + ROBERTA_SOURCE_DIR +
                              "/tests/roberta/train/read_tfevents.py '" + path + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char chunk[256];
  while (fgets(chunk, sizeof(chunk), pipe)) output += chunk;
  CHECK(pclose(pipe) == 0);
  // 4e-4 rounded to float prints as 0.00039999998989515007 in Python.
  CHECK(output == "120 train/loss 7.25\n300 train/lr 0.00039999998989515007\nok: 3 records\n");
  std::filesystem::remove_all(dir);
}
