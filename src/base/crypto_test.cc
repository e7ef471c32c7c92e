#include "base/crypto.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <string_view>

namespace sluice::crypto {
namespace {

// FIPS 180-2 example.
TEST(CryptoTest, Sha256) {
  EXPECT_EQ(View(Sha256Hex("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(View(ToHex(Sha256(""))), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// RFC 4231 test case 2.
TEST(CryptoTest, HmacSha256) {
  const std::string_view key = "Jefe";
  const Digest d = HmacSha256(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(key.data()), key.size()),
                              "what do ya want for nothing?");
  EXPECT_EQ(View(ToHex(d)), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  const std::string_view data = "what do ya want for nothing?";
  EXPECT_EQ(HmacSha256(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(key.data()), key.size()),
                       std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size())),
            d);
}

TEST(CryptoTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  const uint8_t a[] = {1, 2, 3}, b[] = {1, 2, 4};
  EXPECT_TRUE(ConstantTimeEquals(std::span<const uint8_t>(a), std::span<const uint8_t>(a)));
  EXPECT_FALSE(ConstantTimeEquals(std::span<const uint8_t>(a), std::span<const uint8_t>(b)));
  EXPECT_FALSE(ConstantTimeEquals(std::span<const uint8_t>(a), std::span<const uint8_t>(a, 2)));
}

}  // namespace
}  // namespace sluice::crypto
