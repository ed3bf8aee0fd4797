// Fuzzes the safetensors header parser (roberta/interop/safetensors_header.cpp: everything
// read_safetensors checks before it copies a byte) with arbitrary files: header length, JSON
// header, dtypes, shapes and data offsets (past the end, overlapping, huge sizes, shape/size
// mismatch). Only roberta::Error may escape, and every entry it accepts must satisfy the
// guarantees the tensor copy relies on, checked here independently.
#include <cstdint>
#include <string>

#include "roberta/interop/safetensors_header.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto header = roberta::parse_safetensors_header(data, size, "fuzz.safetensors");
    if (header.data_start < 8 || header.data_start > size) __builtin_trap();
    uint64_t previous_end = 0;
    for (const auto& e : header.entries) {
      const size_t element = roberta::safetensors_element_size(e.dtype);
      if (element == 0 || e.begin > e.end || e.end > size - header.data_start) __builtin_trap();
      if (e.begin < previous_end) __builtin_trap();  // sorted and non-overlapping
      previous_end = e.end;
      // The shape's byte count, in 128 bits so that the check itself cannot overflow.
      unsigned __int128 bytes = element;
      for (int64_t d : e.shape) {
        if (d < 0) __builtin_trap();
        bytes *= static_cast<uint64_t>(d);
        if (bytes > size) break;
      }
      if (bytes != e.end - e.begin) __builtin_trap();
    }
  } catch (const roberta::Error&) {
  }
  return 0;
}
