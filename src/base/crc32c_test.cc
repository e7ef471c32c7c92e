#include "base/crc32c.h"

#include <gtest/gtest.h>

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

TEST(Crc32cTest, MaskRoundTripsAndChangesValue) {
  for (uint32_t crc : {0u, 1u, 0xe3069283u, 0xffffffffu}) {
    EXPECT_NE(Mask(crc), crc);
    EXPECT_EQ(Unmask(Mask(crc)), crc);
  }
}

}  // namespace
}  // namespace sluice::crc32c
