// CRC-32C (Castagnoli), the checksum of TFRecord framing in TensorBoard event files, and the
// "masked" form TFRecord stores (so a CRC of data that itself holds CRCs stays well spread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace roberta {

uint32_t crc32c(const void* data, size_t size);
inline uint32_t crc32c(std::string_view bytes) { return crc32c(bytes.data(), bytes.size()); }
// ((crc >> 15) | (crc << 17)) + 0xa282ead8, as TensorFlow's crc32c::Mask.
uint32_t masked_crc32c(const void* data, size_t size);

}  // namespace roberta
