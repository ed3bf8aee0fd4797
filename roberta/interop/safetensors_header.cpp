// See safetensors_header.h.
#include "roberta/interop/safetensors_header.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>

#include "util/error.h"

namespace roberta {

namespace {

// The reference implementation refuses headers above 100 MB; so do we, before allocating.
constexpr uint64_t kMaxHeaderBytes = 100u * 1024u * 1024u;

SafetensorsEntry parse_entry(const std::string& path, const std::string& name, const nlohmann::json& value,
                             uint64_t data_size) {
  if (!value.is_object()) fail("{}: tensor '{}': expected a JSON object, found {}", path, name, value.dump());
  auto field = [&](const char* key) -> const nlohmann::json& {
    auto it = value.find(key);
    if (it == value.end()) fail("{}: tensor '{}': missing key '{}'", path, name, key);
    return *it;
  };
  const auto& dtype = field("dtype");
  if (!dtype.is_string()) fail("{}: tensor '{}': expected dtype to be a string, found {}", path, name, dtype.dump());
  SafetensorsEntry entry;
  entry.name = name;
  entry.dtype = dtype.get<std::string>();
  const uint64_t element = safetensors_element_size(entry.dtype);
  if (element == 0) {
    fail("{}: tensor '{}': expected dtype one of F64/F32/F16/BF16/I64/I32/I16/I8/U8/BOOL, found '{}'", path,
         name, entry.dtype);
  }

  const auto& shape = field("shape");
  if (!shape.is_array()) fail("{}: tensor '{}': expected shape to be an array, found {}", path, name, shape.dump());
  uint64_t bytes = element;
  for (const auto& dim : shape) {
    if (!dim.is_number_unsigned()) {
      fail("{}: tensor '{}': expected shape of non-negative integers, found {}", path, name, shape.dump());
    }
    const uint64_t d = dim.get<uint64_t>();
    // A product that overflows 64 bits (or int64_t dims) cannot fit any file; checked before
    // multiplying.
    if (d > uint64_t(std::numeric_limits<int64_t>::max()) ||
        (d != 0 && bytes > std::numeric_limits<uint64_t>::max() / d)) {
      fail("{}: tensor '{}': shape {} needs more bytes than the file holds ({})", path, name, shape.dump(),
           data_size);
    }
    bytes *= d;
    entry.shape.push_back(static_cast<int64_t>(d));
  }

  const auto& offsets = field("data_offsets");
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned()) {
    fail("{}: tensor '{}': expected data_offsets [begin, end] of non-negative integers, found {}", path, name,
         offsets.dump());
  }
  entry.begin = offsets[0].get<uint64_t>();
  entry.end = offsets[1].get<uint64_t>();
  if (entry.begin > entry.end || entry.end > data_size) {
    fail("{}: tensor '{}': data_offsets [{}, {}] outside the data section of {} bytes", path, name, entry.begin,
         entry.end, data_size);
  }
  if (entry.end - entry.begin != bytes) {
    fail("{}: tensor '{}': dtype {} and shape {} need {} bytes, data_offsets give {}", path, name, entry.dtype,
         shape.dump(), bytes, entry.end - entry.begin);
  }
  return entry;
}

}  // namespace

size_t safetensors_element_size(const std::string& dtype) {
  static const std::map<std::string, size_t> sizes = {{"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2},
                                                      {"I64", 8}, {"I32", 4}, {"I16", 2}, {"I8", 1},
                                                      {"U8", 1},  {"BOOL", 1}};
  auto it = sizes.find(dtype);
  return it == sizes.end() ? 0 : it->second;
}

SafetensorsHeader parse_safetensors_header(const uint8_t* file, uint64_t size, const std::string& path) {
  if (size < 8) fail("{}: not a safetensors file: {} bytes, expected at least 8", path, size);
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | file[i];  // little-endian
  if (header_size > kMaxHeaderBytes || header_size > size - 8) {
    fail("{}: header length {} is larger than the file ({} bytes) or the 100 MB limit", path, header_size, size);
  }
  const char* header_begin = reinterpret_cast<const char*>(file + 8);
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(header_begin, header_begin + header_size);
  } catch (const nlohmann::json::exception& e) {
    fail("{}: header is not valid JSON: {}", path, e.what());
  }
  if (!json.is_object()) fail("{}: expected the header to be a JSON object, found {}", path, json.type_name());

  SafetensorsHeader header;
  header.data_start = 8 + header_size;
  const uint64_t data_size = size - header.data_start;
  for (auto it = json.begin(); it != json.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it.value().is_object()) fail("{}: expected __metadata__ to be an object, found {}", path, it.value().dump());
      for (auto m = it.value().begin(); m != it.value().end(); ++m) {
        if (!m.value().is_string()) {
          fail("{}: __metadata__ key '{}': expected a string value, found {}", path, m.key(), m.value().dump());
        }
        header.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    header.entries.push_back(parse_entry(path, it.key(), it.value(), data_size));
  }
  auto& entries = header.entries;
  std::sort(entries.begin(), entries.end(), [](const SafetensorsEntry& a, const SafetensorsEntry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  for (size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].begin < entries[i - 1].end) {
      fail("{}: tensors '{}' [{}, {}] and '{}' [{}, {}] overlap", path, entries[i - 1].name, entries[i - 1].begin,
           entries[i - 1].end, entries[i].name, entries[i].begin, entries[i].end);
    }
  }
  return header;
}

}  // namespace roberta
