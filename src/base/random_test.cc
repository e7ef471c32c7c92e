#include "base/random.h"

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>

namespace sluice {
namespace {

// ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$
bool IsV4Uuid(const std::string& u) {
  if (u.size() != 36) return false;
  for (size_t i = 0; i < u.size(); ++i) {
    char c = u[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return u[14] == '4' && (u[19] == '8' || u[19] == '9' || u[19] == 'a' || u[19] == 'b');
}

TEST(NewUuidTest, Version4Format) {
  EXPECT_TRUE(IsV4Uuid("123e4567-e89b-42d3-a456-426614174000"));
  EXPECT_FALSE(IsV4Uuid("123e4567-e89b-12d3-a456-426614174000"));
  EXPECT_FALSE(IsV4Uuid("123E4567-e89b-42d3-a456-426614174000"));
  for (int i = 0; i < 2000; ++i) {
    std::string u = NewUuid();
    ASSERT_TRUE(IsV4Uuid(u)) << u;
  }
}

TEST(NewUuidTest, Unique) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(seen.insert(NewUuid()).second);
}

TEST(NewUuidTest, RandomBitsVary) {
  // Every variable hex position takes more than one value over many UUIDs.
  std::set<char> at[36];
  for (int i = 0; i < 2000; ++i) {
    std::string u = NewUuid();
    for (size_t p = 0; p < 36; ++p) at[p].insert(u[p]);
  }
  for (size_t p = 0; p < 36; ++p) {
    if (p == 8 || p == 13 || p == 18 || p == 23) {
      EXPECT_EQ(at[p], std::set<char>{'-'});
    } else if (p == 14) {
      EXPECT_EQ(at[p], std::set<char>{'4'});
    } else if (p == 19) {
      EXPECT_EQ(at[p], (std::set<char>{'8', '9', 'a', 'b'}));
    } else {
      EXPECT_GT(at[p].size(), 8u) << "position " << p;
    }
  }
}

TEST(RandomTest, FastRandomVaries) {
  std::set<uint64_t> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(FastRandom64());
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(RandomTest, SecureRandomFillsBuffer) {
  unsigned char a[64], b[64];
  std::memset(a, 0, sizeof a);
  std::memset(b, 0, sizeof b);
  SecureRandomBytes(a, sizeof a);
  SecureRandomBytes(b, sizeof b);
  EXPECT_NE(std::memcmp(a, b, sizeof a), 0);
  int zeros = 0;
  for (unsigned char c : a) zeros += c == 0;
  EXPECT_LT(zeros, 16);
  SecureRandomBytes(a, 0);  // no-op
}

}  // namespace
}  // namespace sluice
