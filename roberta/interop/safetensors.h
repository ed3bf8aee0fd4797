// The safetensors file format (Hugging Face): 8-byte little-endian header length N, N bytes of
// JSON {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}},
// then the raw little-endian tensor bytes, offsets relative to the end of the header.
// Every length and offset is checked against the file before any byte is read, so a corrupt
// or hostile file gives a roberta::Error naming the file and the problem, never a crash.
#pragma once

#include <ATen/ATen.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace roberta {

struct SafetensorsFile {
  std::vector<std::pair<std::string, at::Tensor>> tensors;  // in file (offset) order, CPU
  std::map<std::string, std::string> metadata;              // "__metadata__", may be empty

  // The tensor called `name`, or undefined.
  at::Tensor find(const std::string& name) const;
};

// Reads the whole file (memory-mapped, each tensor copied out into its own CPU tensor).
// Supported dtypes: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL.
SafetensorsFile read_safetensors(const std::string& path);

// Writes tensors (any device; moved to CPU, made contiguous) in the given order. Names must be
// unique. The header is padded with spaces to a multiple of 8 bytes, as the reference writer does.
void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// "F32" etc. for a torch dtype; roberta::Error for dtypes safetensors cannot hold.
std::string safetensors_dtype_name(at::ScalarType dtype);

}  // namespace roberta
