// safetensors: round trips for every dtype we use, and corrupt files that must give a clear
// roberta::Error (built byte by byte here, so the corruption is exactly the one named).
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "roberta/interop/safetensors.h"
#include "util/error.h"

#include "tests/catch.h"

using namespace roberta;

namespace {

std::string temp_path(const std::string& name) {
  return fmt::format("{}/roberta_st_{}_{}", P_tmpdir, ::getpid(), name);
}

// A file made of an 8-byte length, the given header text and `data_bytes` zero bytes.
std::string write_raw(const std::string& name, const std::string& header, size_t data_bytes,
                      uint64_t declared_length = UINT64_MAX) {
  std::string path = temp_path(name);
  std::ofstream out(path, std::ios::binary);
  uint64_t n = declared_length == UINT64_MAX ? header.size() : declared_length;
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>(n >> (8 * i)));
  out << header << std::string(data_bytes, '\0');
  return path;
}

void require_error(const std::string& path, const std::string& fragment) {
  INFO(fragment);
  try {
    read_safetensors(path);
    FAIL("no error for a corrupt file");
  } catch (const Error& e) {
    std::string message = e.what();
    INFO(message);
    CHECK(message.find(fragment) != std::string::npos);
    CHECK(message.find(path) != std::string::npos);
  }
  std::remove(path.c_str());
}

}  // namespace

TEST_CASE("safetensors round trip keeps names, order, dtypes, values and metadata", "[interop]") {
  at::manual_seed(0);
  std::vector<std::pair<std::string, at::Tensor>> tensors = {
      {"b.f32", at::randn({3, 4})},
      {"a.f16", at::randn({5}).to(at::kHalf)},
      {"c.bf16", at::randn({2, 2, 2}).to(at::kBFloat16)},
      {"d.i64", at::arange(7, at::kLong)},
      {"e.scalar", at::tensor(3.5f).view({})},
      {"f.empty", at::empty({0, 3})},
      {"g.strided", at::randn({4, 6}).t()},  // non-contiguous input
  };
  std::string path = temp_path("roundtrip.safetensors");
  write_safetensors(path, tensors, {{"format", "pt"}});
  SafetensorsFile file = read_safetensors(path);
  REQUIRE(file.tensors.size() == tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    INFO(tensors[i].first);
    CHECK(file.tensors[i].first == tensors[i].first);
    CHECK(file.tensors[i].second.scalar_type() == tensors[i].second.scalar_type());
    CHECK(file.tensors[i].second.equal(tensors[i].second));
  }
  CHECK(file.metadata.at("format") == "pt");
  CHECK(file.find("d.i64").equal(at::arange(7, at::kLong)));
  CHECK_FALSE(file.find("nope").defined());

  // The layout by hand: length prefix = header size, a multiple of 8; header is JSON.
  std::ifstream in(path, std::ios::binary);
  unsigned char prefix[8];
  in.read(reinterpret_cast<char*>(prefix), 8);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | prefix[i];
  CHECK(n % 8 == 0);
  std::string header(n, ' ');
  in.read(header.data(), static_cast<std::streamsize>(n));
  CHECK(header.find("\"dtype\":\"BF16\"") != std::string::npos);
  CHECK(header.find("\"__metadata__\":{\"format\":\"pt\"}") != std::string::npos);
  std::remove(path.c_str());
}

TEST_CASE("a hand-built file with known bytes reads back the values", "[interop]") {
  // 2 x F32: 1.0 = 0x3f800000, -2.0 = 0xc0000000, little-endian.
  std::string header = R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  std::string path = temp_path("known.safetensors");
  {
    std::ofstream out(path, std::ios::binary);
    uint64_t n = header.size();
    for (int i = 0; i < 8; ++i) out.put(static_cast<char>(n >> (8 * i)));
    out << header;
    const unsigned char data[8] = {0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0};
    out.write(reinterpret_cast<const char*>(data), 8);
  }
  at::Tensor x = read_safetensors(path).find("x");
  CHECK(x.equal(at::tensor({1.0f, -2.0f})));
  std::remove(path.c_str());
}

TEST_CASE("corrupt safetensors files give a clear error, never a crash", "[interop]") {
  const std::string ok_entry = R"("x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  require_error(write_raw("short", "", 0, 0).substr(0, 0) + temp_path("missing"), "cannot open");
  {
    std::string path = temp_path("tiny");
    std::ofstream(path) << "abc";
    require_error(path, "at least 8");
  }
  require_error(write_raw("len", "{" + ok_entry + "}", 8, 1ull << 40), "header length");
  require_error(write_raw("json", "{\"x\": [1, 2", 8), "not valid JSON");
  require_error(write_raw("array", "[1,2,3]", 0), "JSON object");
  require_error(write_raw("truncated", "{" + ok_entry + "}", 4), "outside the data section");
  require_error(write_raw("past", R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", 8),
                "outside the data section");
  require_error(write_raw("backwards", R"({"x":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", 8),
                "outside the data section");
  require_error(write_raw("size", R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8), "need 12 bytes");
  require_error(write_raw("overlap",
                          R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                          R"("y":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                          12),
                "overlap");
  require_error(write_raw("huge", R"({"x":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}})", 8),
                "more bytes than the file");
  require_error(write_raw("dtype", R"({"x":{"dtype":"F8","shape":[2],"data_offsets":[0,2]}})", 2), "found 'F8'");
  require_error(write_raw("negative", R"({"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4),
                "non-negative");
  require_error(write_raw("nooffsets", R"({"x":{"dtype":"F32","shape":[1]}})", 4), "data_offsets");
  require_error(write_raw("meta", R"({"__metadata__":{"a":1}})", 0), "__metadata__");
}
