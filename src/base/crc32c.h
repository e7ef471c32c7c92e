#pragma once
// CRC32C (Castagnoli), the checksum of the durable log's batch frames. Uses the SSE4.2 crc32
// instruction when the build targets it, a table otherwise; both give identical results.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sluice::crc32c {

// Extends crc (of some prefix) with n more bytes. Extend(0, data, n) is the CRC of data.
uint32_t Extend(uint32_t crc, const void* data, size_t n);
inline uint32_t Value(const void* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(std::string_view s) { return Extend(0, s.data(), s.size()); }

// Stored CRCs are masked so that a CRC over data that itself embeds CRCs stays well distributed
// (the LevelDB convention).
inline uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }
inline uint32_t Unmask(uint32_t masked) {
  uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

}  // namespace sluice::crc32c
