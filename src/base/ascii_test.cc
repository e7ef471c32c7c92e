#include "base/ascii.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(AsciiTest, LowersOnlyAsciiCapitals) {
  EXPECT_EQ(AsciiToLower('A'), 'a');
  EXPECT_EQ(AsciiToLower('Z'), 'z');
  EXPECT_EQ(AsciiToLower('a'), 'a');
  EXPECT_EQ(AsciiToLower('@'), '@');  // just below 'A'
  EXPECT_EQ(AsciiToLower('['), '[');  // just above 'Z'
  EXPECT_EQ(AsciiToLower('\xC4'), '\xC4');
}

TEST(AsciiTest, EqualsIgnoreCase) {
  EXPECT_TRUE(EqualsIgnoreCase("Content-Type", "content-type"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_FALSE(EqualsIgnoreCase("host", "hos"));
  EXPECT_FALSE(EqualsIgnoreCase("host", "hosu"));
  EXPECT_FALSE(EqualsIgnoreCase("[", "{"));  // 0x5B vs 0x7B differ by 0x20 but are not letters
  EXPECT_FALSE(EqualsIgnoreCase("\xC4", "\xE4"));
}

}  // namespace
}  // namespace sluice
