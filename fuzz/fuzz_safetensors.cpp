// Fuzzes the safetensors reader with arbitrary files: header length, JSON header, dtypes,
// shapes and data offsets (past the end, overlapping, huge sizes, shape/size mismatch). Only
// roberta::Error may escape; every tensor read must lie inside the file.
#include <cstdint>
#include <string>

#include "fuzz/fuzz_util.h"
#include "roberta/interop/safetensors.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = roberta::fuzz::scratch_dir() + "/model.safetensors";
  roberta::fuzz::write_file(path, data, size);
  try {
    auto file = roberta::read_safetensors(path);
    for (const auto& [name, tensor] : file.tensors) {
      if (!tensor.defined() || static_cast<size_t>(tensor.nbytes()) > size) __builtin_trap();
    }
  } catch (const roberta::Error&) {
  }
  return 0;
}
