// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): the integrity check of checkpoint
// files, token-shard blocks and the TFRecord framing of TensorBoard event files.
//
// crc32c() runs at memory speed: the SSE4.2 crc32 instruction where the CPU has it (chosen once
// at run time), slicing-by-8 tables elsewhere. `roberta bench checksum` measures both beside the
// byte-at-a-time table loop they replace; docs/performance.md has the figures.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace roberta {

uint32_t crc32c(const void* data, size_t size);
inline uint32_t crc32c(std::string_view bytes) { return crc32c(bytes.data(), bytes.size()); }
// Continues a CRC over more bytes: crc32c_extend(crc32c(a), b) == crc32c(a + b).
uint32_t crc32c_extend(uint32_t crc, const void* data, size_t size);
// ((crc >> 15) | (crc << 17)) + 0xa282ead8, as TensorFlow's crc32c::Mask.
uint32_t masked_crc32c(const void* data, size_t size);

// The implementations behind crc32c(), for tests and the benchmark: each computes the same
// function; crc32c_hardware returns false (and leaves *crc alone) where the CPU lacks it.
namespace crc32c_impl {
uint32_t bytewise(uint32_t crc, const void* data, size_t size);  // one table lookup per byte
uint32_t sliced(uint32_t crc, const void* data, size_t size);    // slicing-by-8
bool hardware(uint32_t* crc, const void* data, size_t size);     // SSE4.2 crc32 instruction
const char* active();  // "sse4.2" or "slicing-by-8": what crc32c() uses on this machine
}  // namespace crc32c_impl

}  // namespace roberta
