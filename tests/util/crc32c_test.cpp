#include "tests/catch.h"

#include <random>
#include <string>
#include <vector>

#include "util/crc32c.h"

namespace {

// The CRC-32C of `bytes` by the definition: bit by bit over the reflected polynomial,
// independent of every table and instruction in util/crc32c.cpp.
uint32_t crc32c_by_bits(const std::string& bytes) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char b : bytes) {
    crc ^= b;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1u) ? 0x82F63B78u : 0u);
  }
  return ~crc;
}

}  // namespace

TEST_CASE("crc32c matches published check values", "[util][crc32c]") {
  CHECK(roberta::crc32c("123456789") == 0xE3069283u);  // the CRC catalogue's check value
  std::string zeros(32, '\0'), ones(32, '\xFF'), ascending(32, '\0'), descending(32, '\0');
  for (int i = 0; i < 32; ++i) {
    ascending[i] = static_cast<char>(i);
    descending[i] = static_cast<char>(31 - i);
  }
  // RFC 3720 (iSCSI), appendix B.4
  CHECK(roberta::crc32c(zeros) == 0x8A9136AAu);
  CHECK(roberta::crc32c(ones) == 0x62A8AB43u);
  CHECK(roberta::crc32c(ascending) == 0x46DD794Eu);
  CHECK(roberta::crc32c(descending) == 0x113FDB5Cu);
  CHECK(roberta::crc32c("") == 0u);
}

TEST_CASE("crc32c: every implementation equals the bitwise definition at every length and alignment",
          "[util][crc32c]") {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> byte(0, 255);
  std::string buffer(4096 + 16, '\0');
  for (char& c : buffer) c = static_cast<char>(byte(rng));
  INFO("crc32c() uses " << roberta::crc32c_impl::active());
  for (size_t offset : {0, 1, 3, 7}) {
    for (size_t size : {0, 1, 7, 8, 9, 15, 16, 63, 64, 65, 1000, 4096}) {
      const std::string bytes = buffer.substr(offset, size);
      const uint32_t expected = crc32c_by_bits(bytes);
      const char* p = buffer.data() + offset;
      INFO("offset " << offset << ", " << size << " bytes");
      CHECK(roberta::crc32c(p, size) == expected);
      CHECK(roberta::crc32c_impl::bytewise(0, p, size) == expected);
      CHECK(roberta::crc32c_impl::sliced(0, p, size) == expected);
      uint32_t hw = 0;
      if (roberta::crc32c_impl::hardware(&hw, p, size)) CHECK(hw == expected);
    }
  }
}

TEST_CASE("crc32c_extend over pieces equals one pass", "[util][crc32c]") {
  std::string text;
  for (int i = 0; i < 300; ++i) text += "the quick brown fox " + std::to_string(i) + "\n";
  const uint32_t whole = roberta::crc32c(text);
  for (size_t cut : {size_t(0), size_t(1), size_t(13), size_t(800), text.size()}) {
    uint32_t crc = roberta::crc32c(text.data(), cut);
    crc = roberta::crc32c_extend(crc, text.data() + cut, text.size() - cut);
    CHECK(crc == whole);
  }
}

TEST_CASE("crc32c on this machine uses the CPU's instruction where it has one", "[util][crc32c]") {
  uint32_t crc = 0;
  const bool has = roberta::crc32c_impl::hardware(&crc, "123456789", 9);
  CHECK(std::string(roberta::crc32c_impl::active()) == (has ? "sse4.2" : "slicing-by-8"));
  if (!has) ROBERTA_SKIP("this CPU has no SSE4.2 crc32 instruction: only the slicing-by-8 path ran");
  CHECK(crc == 0xE3069283u);
}
