#include "model/shard_iterator.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>
#include <random>
#include <string>

#include "base/base64.h"

namespace sluice::model {
namespace {

const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

IteratorKey MakeKey(uint8_t seed) {
  IteratorKey k;
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(seed * 31 + i * 7 + 1);
  return k;
}

const IteratorPosition kPos{0x0123456789abcdefULL, 7, 123456, 1'700'000'000'123};

std::string RawBytes(const std::string& token) {
  std::string raw;
  EXPECT_TRUE(base64::DecodeToString(token, &raw));
  return raw;
}

std::string Encode(const std::string& raw) {
  std::string out;
  base64::AppendEncoded(raw, &out);
  return out;
}

// Builds a token by the documented layout (docs/formats/shard-iterator.md) with a chosen
// version byte, signed with `key`.
std::string Forge(const IteratorKey& key, uint8_t version, const IteratorPosition& p) {
  uint8_t buf[45];
  buf[0] = version;
  for (int i = 0; i < 8; ++i) buf[1 + i] = static_cast<uint8_t>(p.stream_uid >> (56 - 8 * i));
  for (int i = 0; i < 4; ++i) buf[9 + i] = static_cast<uint8_t>(p.shard_index >> (24 - 8 * i));
  for (int i = 0; i < 8; ++i) buf[13 + i] = static_cast<uint8_t>(p.offset >> (56 - 8 * i));
  for (int i = 0; i < 8; ++i) buf[21 + i] = static_cast<uint8_t>(static_cast<uint64_t>(p.issued_at_ms) >> (56 - 8 * i));
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), buf, 29, mac, &len);
  std::memcpy(buf + 29, mac, 16);
  return Encode(std::string(reinterpret_cast<char*>(buf), 45));
}

TEST(ShardIteratorTest, RoundTrip) {
  IteratorKey key = MakeKey(1);
  std::string token = EncodeShardIterator(key, kPos);
  auto back = DecodeShardIterator(key, token);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, kPos);
}

TEST(ShardIteratorTest, ShapeIsSixtyBase64Characters) {
  std::string token = EncodeShardIterator(MakeKey(1), kPos);
  EXPECT_EQ(token.size(), 60u);
  EXPECT_LE(token.size(), 512u);  // model limit for ShardIterator
  for (char c : token) EXPECT_NE(kAlphabet.find(c), std::string::npos) << c;
  EXPECT_EQ(RawBytes(token).size(), 45u);
  EXPECT_EQ(static_cast<uint8_t>(RawBytes(token)[0]), 1);  // version
}

TEST(ShardIteratorTest, MatchesDocumentedLayout) {
  IteratorKey key = MakeKey(3);
  EXPECT_EQ(EncodeShardIterator(key, kPos), Forge(key, 1, kPos));
}

TEST(ShardIteratorTest, RoundTripsExtremeAndRandomPositions) {
  IteratorKey key = MakeKey(2);
  const IteratorPosition edges[] = {
      {0, 0, 0, 0},
      {UINT64_MAX, UINT32_MAX, UINT64_MAX, INT64_MAX},
      {1, 1, 1, -1},
      {UINT64_MAX, 0, 0, INT64_MIN},
  };
  for (const auto& p : edges) {
    auto back = DecodeShardIterator(key, EncodeShardIterator(key, p));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, p);
  }
  std::mt19937_64 rng(77);
  for (int i = 0; i < 5000; ++i) {
    IteratorPosition p{rng(), static_cast<uint32_t>(rng()), rng(), static_cast<int64_t>(rng())};
    auto back = DecodeShardIterator(key, EncodeShardIterator(key, p));
    ASSERT_TRUE(back.has_value());
    ASSERT_EQ(*back, p);
  }
}

TEST(ShardIteratorTest, DeterministicAndPositionSensitive) {
  IteratorKey key = MakeKey(4);
  EXPECT_EQ(EncodeShardIterator(key, kPos), EncodeShardIterator(key, kPos));
  IteratorPosition other = kPos;
  other.offset += 1;
  EXPECT_NE(EncodeShardIterator(key, kPos), EncodeShardIterator(key, other));
}

TEST(ShardIteratorTest, AnySingleCharacterChangeIsRejected) {
  IteratorKey key = MakeKey(5);
  std::string token = EncodeShardIterator(key, kPos);
  int tried = 0;
  for (size_t pos = 0; pos < token.size(); ++pos) {
    for (char c : kAlphabet + "=") {
      if (c == token[pos]) continue;
      std::string bad = token;
      bad[pos] = c;
      ASSERT_FALSE(DecodeShardIterator(key, bad).has_value()) << "pos " << pos << " char " << c;
      ++tried;
    }
    for (char c : {'-', '_', ' ', '\0', '.', '\xff'}) {
      std::string bad = token;
      bad[pos] = c;
      ASSERT_FALSE(DecodeShardIterator(key, bad).has_value()) << "pos " << pos << " char " << int(c);
    }
  }
  EXPECT_EQ(tried, 60 * 64);
}

TEST(ShardIteratorTest, AnySingleFlippedBitOrByteIsRejected) {
  IteratorKey key = MakeKey(6);
  std::string raw = RawBytes(EncodeShardIterator(key, kPos));
  ASSERT_EQ(raw.size(), 45u);
  for (size_t i = 0; i < raw.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = raw;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      ASSERT_FALSE(DecodeShardIterator(key, Encode(bad)).has_value()) << "byte " << i << " bit " << bit;
    }
    for (int v : {0x00, 0xFF}) {
      if (static_cast<uint8_t>(raw[i]) == v) continue;
      std::string bad = raw;
      bad[i] = static_cast<char>(v);
      ASSERT_FALSE(DecodeShardIterator(key, Encode(bad)).has_value()) << "byte " << i << " set to " << v;
    }
  }
}

TEST(ShardIteratorTest, DifferentKeyIsRejected) {
  IteratorKey a = MakeKey(7), b = MakeKey(8);
  std::string token = EncodeShardIterator(a, kPos);
  EXPECT_TRUE(DecodeShardIterator(a, token).has_value());
  EXPECT_FALSE(DecodeShardIterator(b, token).has_value());
  IteratorKey c = a;
  c[31] ^= 1;
  EXPECT_FALSE(DecodeShardIterator(c, token).has_value());
  IteratorKey zero{};
  EXPECT_FALSE(DecodeShardIterator(zero, token).has_value());
}

TEST(ShardIteratorTest, WrongLengthIsRejected) {
  IteratorKey key = MakeKey(9);
  std::string token = EncodeShardIterator(key, kPos);
  for (size_t n = 0; n < token.size(); ++n) ASSERT_FALSE(DecodeShardIterator(key, token.substr(0, n)).has_value()) << n;
  EXPECT_FALSE(DecodeShardIterator(key, token + "A").has_value());
  EXPECT_FALSE(DecodeShardIterator(key, token + "AAAA").has_value());
  EXPECT_FALSE(DecodeShardIterator(key, token + "====").has_value());
  EXPECT_FALSE(DecodeShardIterator(key, token + token).has_value());
  EXPECT_FALSE(DecodeShardIterator(key, "A" + token).has_value());
  // Dropping a byte from the raw token or adding one (re-encoded validly) is rejected too.
  std::string raw = RawBytes(token);
  EXPECT_FALSE(DecodeShardIterator(key, Encode(raw.substr(0, 44))).has_value());
  EXPECT_FALSE(DecodeShardIterator(key, Encode(raw + "x")).has_value());
  EXPECT_FALSE(DecodeShardIterator(key, Encode(raw + "xyz")).has_value());
}

TEST(ShardIteratorTest, UnknownVersionIsRejectedEvenWithAValidMac) {
  IteratorKey key = MakeKey(10);
  EXPECT_TRUE(DecodeShardIterator(key, Forge(key, 1, kPos)).has_value());
  for (int v : {0, 2, 0x41, 255})
    EXPECT_FALSE(DecodeShardIterator(key, Forge(key, static_cast<uint8_t>(v), kPos)).has_value()) << v;
}

TEST(ShardIteratorTest, GarbageIsRejected) {
  IteratorKey key = MakeKey(11);
  EXPECT_FALSE(DecodeShardIterator(key, "").has_value());
  EXPECT_FALSE(DecodeShardIterator(key, "Invalid").has_value());
  EXPECT_FALSE(DecodeShardIterator(key, std::string(60, 'A')).has_value());
  EXPECT_FALSE(DecodeShardIterator(key, std::string(60, '=')).has_value());
  EXPECT_FALSE(DecodeShardIterator(key, std::string(60, '\0')).has_value());
  // A real AWS iterator prefix, padded to our length.
  EXPECT_FALSE(DecodeShardIterator(key, "AAAAAAAAAAE" + std::string(49, 'B')).has_value());
  std::mt19937_64 rng(12);
  for (int i = 0; i < 20000; ++i) {
    std::string t(60, 'A');
    for (auto& c : t) c = kAlphabet[rng() % 64];
    ASSERT_FALSE(DecodeShardIterator(key, t).has_value()) << t;
  }
}

}  // namespace
}  // namespace sluice::model
