// The safetensors header, parsed and validated without ATen (so the fuzzer and the sanitizer
// builds exercise it alone): 8-byte little-endian length N, N bytes of JSON
// {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}},
// then the data section. Every length, shape product and offset is checked against the file
// before anything is read: a corrupt or hostile header is a roberta::Error naming the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace roberta {

struct SafetensorsEntry {
  std::string name;
  std::string dtype;            // "F32", "BF16", ...
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // byte offsets into the data section; end - begin = its size
};

struct SafetensorsHeader {
  std::vector<SafetensorsEntry> entries;     // sorted by offset, non-overlapping
  std::map<std::string, std::string> metadata;  // "__metadata__", may be empty
  uint64_t data_start = 0;                   // file offset of the data section (8 + N)
};

// Bytes per element of a safetensors dtype name (F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL);
// 0 for any other name.
size_t safetensors_element_size(const std::string& dtype);

// Parses and validates the header of a whole file held in memory (`size` bytes at `file`).
// Guarantees for every entry: a known dtype, begin <= end, data_start + end <= size, and
// end - begin == element size x product of the shape (computed without overflow).
SafetensorsHeader parse_safetensors_header(const uint8_t* file, uint64_t size, const std::string& path);

}  // namespace roberta
