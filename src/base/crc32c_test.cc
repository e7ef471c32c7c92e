#include "base/crc32c.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace sluice::crc32c {
namespace {

// Bit-at-a-time reference, independent of both implementations.
uint32_t Reference(const std::string& s) {
  uint32_t c = 0xffffffffu;
  for (unsigned char b : s) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
  }
  return ~c;
}

// Byte-at-a-time table implementation (the portable path of crc32c.cc), fast enough to check
// megabytes against the accelerated one.
uint32_t TableReference(uint32_t crc, const uint8_t* p, size_t n) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

std::vector<uint8_t> RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

TEST(Crc32cTest, StandardCheckValue) { EXPECT_EQ(Value("123456789"), 0xe3069283u); }

TEST(Crc32cTest, KnownVectors) {
  // From RFC 3720 (iSCSI) appendix B.4.
  EXPECT_EQ(Value(std::string(32, '\0')), 0x8a9136aau);
  EXPECT_EQ(Value(std::string(32, '\xff')), 0x62a8ab43u);
  std::string inc;
  for (int i = 0; i < 32; ++i) inc.push_back(static_cast<char>(i));
  EXPECT_EQ(Value(inc), 0x46dd794eu);
}

TEST(Crc32cTest, MatchesReferenceForEveryLengthAndAlignment) {
  std::string data;
  for (int i = 0; i < 300; ++i) data.push_back(static_cast<char>(i * 131 + 7));
  for (size_t off = 0; off < 8; ++off) {
    for (size_t len = 0; off + len <= data.size(); len += 7) {
      std::string piece = data.substr(off, len);
      EXPECT_EQ(Value(piece), Reference(piece)) << "off " << off << " len " << len;
    }
  }
}

TEST(Crc32cTest, ExtendEqualsWhole) {
  std::string a = "hello, ", b = "sluice log batch";
  EXPECT_EQ(Extend(Value(a), b.data(), b.size()), Value(a + b));
}

TEST(Crc32cTest, MatchesTableForEveryLengthUpTo4096) {
  // Offset 3 so that the data is not 8-byte aligned; a non-zero seed crc too.
  std::vector<uint8_t> buf = RandomBytes(4096 + 3, 1);
  const uint8_t* data = buf.data() + 3;
  for (size_t len = 0; len <= 4096; ++len) {
    ASSERT_EQ(Value(data, len), TableReference(0, data, len)) << "len " << len;
    ASSERT_EQ(Extend(0x12345678u, data, len), TableReference(0x12345678u, data, len)) << "len " << len;
  }
}

TEST(Crc32cTest, MatchesTableForEveryAlignment) {
  std::vector<uint8_t> buf = RandomBytes(70000, 2);
  for (size_t off = 0; off < 16; ++off) {
    for (size_t len : {0ul, 1ul, 7ul, 8ul, 191ul, 192ul, 193ul, 1024ul, 6143ul, 6144ul, 6145ul, 65536ul}) {
      ASSERT_EQ(Value(buf.data() + off, len), TableReference(0, buf.data() + off, len))
          << "off " << off << " len " << len;
    }
  }
}

TEST(Crc32cTest, MatchesTableForLargeRandomSizes) {
  std::mt19937_64 rng(3);
  std::vector<uint8_t> buf = RandomBytes((4u << 20) + 64, 4);
  std::vector<size_t> lens = {4u << 20, (4u << 20) - 1, 1u << 20, 12288, 6144 * 3 + 5};
  for (int i = 0; i < 20; ++i) lens.push_back(rng() % (4u << 20));
  for (size_t len : lens) {
    size_t off = rng() % 64;
    uint32_t seed = static_cast<uint32_t>(rng());
    ASSERT_EQ(Extend(seed, buf.data() + off, len), TableReference(seed, buf.data() + off, len))
        << "off " << off << " len " << len;
  }
}

TEST(Crc32cTest, ExtendSplitAtArbitraryPoints) {
  std::mt19937_64 rng(5);
  std::vector<uint8_t> buf = RandomBytes(300000, 6);
  const uint32_t whole = TableReference(0, buf.data(), buf.size());
  for (int i = 0; i < 200; ++i) {
    // Cut into a random number of pieces of random sizes, tiny ones included.
    uint32_t crc = 0;
    size_t pos = 0;
    while (pos < buf.size()) {
      size_t piece = (rng() % 4 == 0) ? rng() % 16 : rng() % 50000;
      if (piece > buf.size() - pos) piece = buf.size() - pos;
      crc = Extend(crc, buf.data() + pos, piece);
      pos += piece;
    }
    ASSERT_EQ(crc, whole) << "iteration " << i;
  }
  for (size_t cut = 0; cut <= 5000; cut += 37) {
    ASSERT_EQ(Extend(Value(buf.data(), cut), buf.data() + cut, 9000 - cut), TableReference(0, buf.data(), 9000))
        << "cut " << cut;
  }
}

TEST(Crc32cTest, MaskRoundTripsAndChangesValue) {
  for (uint32_t crc : {0u, 1u, 0xe3069283u, 0xffffffffu}) {
    EXPECT_NE(Mask(crc), crc);
    EXPECT_EQ(Unmask(Mask(crc)), crc);
  }
}

}  // namespace
}  // namespace sluice::crc32c
