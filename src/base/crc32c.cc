#include "base/crc32c.h"

#include <array>
#include <cstring>

#ifdef __SSE4_2__
#include <nmmintrin.h>
#endif
#ifdef __PCLMUL__
#include <wmmintrin.h>
#endif

namespace sluice::crc32c {
namespace {

constexpr uint32_t kPoly = 0x82f63b78u;  // reflected Castagnoli polynomial

// Multiplies a reflected polynomial (bit i stands for x^(31-i)) by x, modulo P.
constexpr uint32_t MulX(uint32_t v) { return (v & 1) ? (v >> 1) ^ kPoly : v >> 1; }

struct Table {
  std::array<uint32_t, 256> t{};
  constexpr Table() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = MulX(c);
      t[i] = c;
    }
  }
};
constexpr Table kTable;

[[maybe_unused]] uint32_t ExtendPortable(uint32_t crc, const uint8_t* p, size_t n) {
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) crc = kTable.t[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

#ifdef __SSE4_2__
inline uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// One dependency chain of crc32 instructions; c is the raw (un-inverted) state.
inline uint32_t ExtendSerial(uint32_t c, const uint8_t* p, size_t n) {
  uint64_t c64 = c;
  for (; n >= 8; p += 8, n -= 8) c64 = _mm_crc32_u64(c64, Load64(p));
  c = static_cast<uint32_t>(c64);
  for (; n > 0; ++p, --n) c = _mm_crc32_u8(c, *p);
  return c;
}
#endif

#if defined(__SSE4_2__) && defined(__PCLMUL__)
// The crc32 instruction has a latency of ~3 cycles but a throughput of one per cycle, so a
// single chain runs at a third of the possible speed. Long inputs are cut into three adjacent
// blocks of L bytes each (L = 8*w), processed by three independent chains (the second and third
// from state 0), and recombined using linearity:
//   S(c, ABC) = S(c, A)*x^(16L) + S(0, B)*x^(8L) + S(0, C)   (mod P)
// The shift "s*x^(8L) mod P" is a carry-less multiply by K = x^(8L-33) mod P followed by a
// crc32 of the 64-bit product, which multiplies by x^33 (x^32 from the instruction, x^1 from the
// 63-bit product of two reflected 32-bit values) and reduces.
constexpr size_t kMaxWords = 256;  // per chain and round: rounds of up to 3 * 2 KiB

struct ShiftTable {
  // k[w] = x^(64w - 33) mod P, for w = 1 .. 2*kMaxWords (8w bytes of shift).
  std::array<uint32_t, 2 * kMaxWords + 1> k{};
  constexpr ShiftTable() {
    uint32_t v = 1u;  // x^31 = x^(64*1 - 33)
    for (size_t w = 1; w <= 2 * kMaxWords; ++w) {
      k[w] = v;
      for (int i = 0; i < 64; ++i) v = MulX(v);
    }
  }
};
constexpr ShiftTable kShift;

// Below this the two multiplies and the extra crc32 of a round cost more than they save.
constexpr size_t kMinParallel = 192;

uint32_t ExtendParallel(uint32_t c, const uint8_t* p, size_t n) {
  while (n >= kMinParallel) {
    size_t words = n / 24;
    if (words > kMaxWords) words = kMaxWords;
    const size_t len = words * 8;
    const uint8_t* p1 = p + len;
    const uint8_t* p2 = p1 + len;
    uint64_t c0 = c, c1 = 0, c2 = 0;
    for (size_t i = 0; i < len; i += 8) {
      c0 = _mm_crc32_u64(c0, Load64(p + i));
      c1 = _mm_crc32_u64(c1, Load64(p1 + i));
      c2 = _mm_crc32_u64(c2, Load64(p2 + i));
    }
    const __m128i k = _mm_set_epi64x(kShift.k[words], kShift.k[2 * words]);
    const __m128i a = _mm_clmulepi64_si128(_mm_cvtsi64_si128(static_cast<int64_t>(c0)), k, 0x00);
    const __m128i b = _mm_clmulepi64_si128(_mm_cvtsi64_si128(static_cast<int64_t>(c1)), k, 0x10);
    const uint64_t folded = static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_xor_si128(a, b)));
    c = static_cast<uint32_t>(_mm_crc32_u64(0, folded) ^ c2);
    p = p2 + len;
    n -= 3 * len;
  }
  return ExtendSerial(c, p, n);
}
#endif

}  // namespace

uint32_t Extend(uint32_t crc, const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
#if defined(__SSE4_2__) && defined(__PCLMUL__)
  return ~ExtendParallel(~crc, p, n);
#elif defined(__SSE4_2__)
  return ~ExtendSerial(~crc, p, n);
#else
  return ExtendPortable(crc, p, n);
#endif
}

}  // namespace sluice::crc32c
