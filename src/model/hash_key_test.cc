#include "model/hash_key.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace sluice::model {
namespace {

// Independent decimal parser for test constants (no validation; inputs are trusted).
HashKey H(std::string_view s) {
  HashKey v = 0;
  for (char c : s) v = v * 10 + static_cast<HashKey>(c - '0');
  return v;
}

constexpr std::string_view kMaxText = "340282366920938463463374607431768211455";  // 2^128 - 1
constexpr std::string_view kTwo128 = "340282366920938463463374607431768211456";   // 2^128

HashKey RandomKey(std::mt19937_64& rng) {
  HashKey v = (static_cast<HashKey>(rng()) << 64) | rng();
  // Vary the magnitude so short decimal renderings are covered too.
  int shift = static_cast<int>(rng() % 128);
  return v >> shift;
}

TEST(HashKeyTest, MaxConstant) {
  EXPECT_EQ(kMaxHashKey, H(kMaxText));
  EXPECT_EQ(kMaxHashKey + 1, HashKey{0});
}

TEST(ParseHashKeyTest, AcceptsValidValues) {
  EXPECT_EQ(ParseHashKey("0"), HashKey{0});
  EXPECT_EQ(ParseHashKey("1"), HashKey{1});
  EXPECT_EQ(ParseHashKey("9"), HashKey{9});
  EXPECT_EQ(ParseHashKey("10"), HashKey{10});
  EXPECT_EQ(ParseHashKey("18446744073709551615"), HashKey{UINT64_MAX});
  EXPECT_EQ(ParseHashKey("18446744073709551616"), HashKey{1} << 64);
  EXPECT_EQ(ParseHashKey(kMaxText), kMaxHashKey);
  EXPECT_EQ(ParseHashKey("340282366920938463463374607431768211454"), kMaxHashKey - 1);
  EXPECT_EQ(ParseHashKey("170141183460469231731687303715884105728"), HashKey{1} << 127);
  EXPECT_EQ(ParseHashKey("100000000000000000000000000000000000000"), H("100000000000000000000000000000000000000"));
}

TEST(ParseHashKeyTest, RejectsValuesAbove2To128Minus1) {
  EXPECT_FALSE(ParseHashKey(kTwo128).has_value());
  EXPECT_FALSE(ParseHashKey("340282366920938463463374607431768211457").has_value());
  EXPECT_FALSE(ParseHashKey("340282366920938463463374607431768212455").has_value());
  EXPECT_FALSE(ParseHashKey("340282366920938463463374607431768221455").has_value());
  EXPECT_FALSE(ParseHashKey("350000000000000000000000000000000000000").has_value());
  EXPECT_FALSE(ParseHashKey("999999999999999999999999999999999999999").has_value());   // 39 digits
  EXPECT_FALSE(ParseHashKey("1000000000000000000000000000000000000000").has_value());  // 40 digits
  // They still match the model's pattern (range is a semantic check).
  EXPECT_TRUE(MatchesHashKeyPattern(kTwo128));
  EXPECT_TRUE(MatchesHashKeyPattern("999999999999999999999999999999999999999"));
  EXPECT_FALSE(MatchesHashKeyPattern("1000000000000000000000000000000000000000"));
}

TEST(ParseHashKeyTest, RejectsPatternViolations) {
  const char* kBad[] = {"",   "00",  "01",  "007", "-1", "+1", " 1",  "1 ",
                        "1a", "0x1", "1.0", "1e3", "١",  "0 ", "\t5", "5\n"};
  for (const char* s : kBad) {
    EXPECT_FALSE(ParseHashKey(s).has_value()) << "'" << s << "'";
    EXPECT_FALSE(MatchesHashKeyPattern(s)) << "'" << s << "'";
  }
  EXPECT_FALSE(ParseHashKey(std::string_view("1\0", 2)).has_value());
  EXPECT_FALSE(ParseHashKey("0340282366920938463463374607431768211455").has_value());
  EXPECT_TRUE(MatchesHashKeyPattern("0"));
  EXPECT_TRUE(MatchesHashKeyPattern("123456789012345678901234567890123456789"));
}

TEST(FormatHashKeyTest, KnownValues) {
  EXPECT_EQ(FormatHashKey(0), "0");
  EXPECT_EQ(FormatHashKey(7), "7");
  EXPECT_EQ(FormatHashKey(10), "10");
  EXPECT_EQ(FormatHashKey(UINT64_MAX), "18446744073709551615");
  EXPECT_EQ(FormatHashKey(HashKey{1} << 64), "18446744073709551616");
  EXPECT_EQ(FormatHashKey(kMaxHashKey), kMaxText);
  HashKey p = 1;
  std::string expect = "1";
  for (int i = 0; i < 38; ++i) {
    EXPECT_EQ(FormatHashKey(p), expect);
    p *= 10;
    expect += "0";
  }
}

TEST(FormatHashKeyTest, RoundTripsRandomValues) {
  std::mt19937_64 rng(2024);
  for (int i = 0; i < 20000; ++i) {
    HashKey k = RandomKey(rng);
    std::string s = FormatHashKey(k);
    ASSERT_TRUE(MatchesHashKeyPattern(s)) << s;
    auto back = ParseHashKey(s);
    ASSERT_TRUE(back.has_value()) << s;
    ASSERT_TRUE(*back == k) << s;
  }
}

TEST(HashPartitionKeyTest, ReferenceVectors) {
  // kinesis-protocol.md section 4.1.
  EXPECT_EQ(FormatHashKey(HashPartitionKey("a")), "16955237001963240173058271559858726497");
  EXPECT_EQ(FormatHashKey(HashPartitionKey("partitionKey")), "193318062818912349798954611745638949166");
  // MD5("") = d41d8cd98f00b204e9800998ecf8427e, read big-endian.
  EXPECT_EQ(FormatHashKey(HashPartitionKey("")), "281949768489412648962353822266799178366");
  // UTF-8 bytes are hashed: MD5("é") = 66ddd4e0b1a4be07cd6ff0df8d7e3c6f (hex of the C3 A9 bytes).
  EXPECT_EQ(FormatHashKey(HashPartitionKey("\xc3\xa9")), "136732923097551493579404309126273812335");
  EXPECT_EQ(FormatHashKey(HashPartitionKey("hello")), "123957004363873451094272536567338222994");
}

TEST(HashPartitionKeyTest, Deterministic) {
  EXPECT_TRUE(HashPartitionKey("abc") == HashPartitionKey(std::string("abc")));
  EXPECT_FALSE(HashPartitionKey("abc") == HashPartitionKey("abd"));
}

TEST(HashKeyRangeTest, ContainsIsInclusive) {
  HashKeyRange r{10, 20};
  EXPECT_FALSE(r.Contains(9));
  EXPECT_TRUE(r.Contains(10));
  EXPECT_TRUE(r.Contains(15));
  EXPECT_TRUE(r.Contains(20));
  EXPECT_FALSE(r.Contains(21));
  HashKeyRange all{0, kMaxHashKey};
  EXPECT_TRUE(all.Contains(0));
  EXPECT_TRUE(all.Contains(kMaxHashKey));
  EXPECT_TRUE((HashKeyRange{1, 2} == HashKeyRange{1, 2}));
  EXPECT_FALSE((HashKeyRange{1, 2} == HashKeyRange{1, 3}));
}

TEST(EvenRangeTest, OneShardCoversEverything) {
  HashKeyRange r = EvenRange(0, 1);
  EXPECT_EQ(FormatHashKey(r.start), "0");
  EXPECT_EQ(FormatHashKey(r.end), kMaxText);
}

TEST(EvenRangeTest, TwoShards) {
  EXPECT_EQ(FormatHashKey(EvenRange(0, 2).end), "170141183460469231731687303715884105727");
  EXPECT_EQ(FormatHashKey(EvenRange(1, 2).start), "170141183460469231731687303715884105728");
  EXPECT_EQ(FormatHashKey(EvenRange(1, 2).end), kMaxText);
}

TEST(EvenRangeTest, ThreeShards) {
  // width = floor(2^128 / 3) = 113427455640312821154458202477256070485
  EXPECT_EQ(FormatHashKey(EvenRange(0, 3).start), "0");
  EXPECT_EQ(FormatHashKey(EvenRange(0, 3).end), "113427455640312821154458202477256070484");
  EXPECT_EQ(FormatHashKey(EvenRange(1, 3).start), "113427455640312821154458202477256070485");
  EXPECT_EQ(FormatHashKey(EvenRange(1, 3).end), "226854911280625642308916404954512140969");
  EXPECT_EQ(FormatHashKey(EvenRange(2, 3).start), "226854911280625642308916404954512140970");
  EXPECT_EQ(FormatHashKey(EvenRange(2, 3).end), kMaxText);
}

TEST(EvenRangeTest, FourShardsMatchReference) {
  // kinesis-protocol.md section 4.2.
  const char* kStarts[] = {"0", "85070591730234615865843651857942052864", "170141183460469231731687303715884105728",
                           "255211775190703847597530955573826158592"};
  const char* kEnds[] = {"85070591730234615865843651857942052863", "170141183460469231731687303715884105727",
                         "255211775190703847597530955573826158591", "340282366920938463463374607431768211455"};
  for (uint32_t i = 0; i < 4; ++i) {
    EXPECT_EQ(FormatHashKey(EvenRange(i, 4).start), kStarts[i]) << i;
    EXPECT_EQ(FormatHashKey(EvenRange(i, 4).end), kEnds[i]) << i;
  }
}

TEST(EvenRangeTest, FiveAndSevenShards) {
  EXPECT_EQ(FormatHashKey(EvenRange(1, 5).start), "68056473384187692692674921486353642291");
  EXPECT_EQ(FormatHashKey(EvenRange(3, 7).start), "145835300108973627198589117470757804908");
  EXPECT_EQ(FormatHashKey(EvenRange(999, 1000).start), FormatHashKey(H("340282366920938463463374607431768211") * 999));
}

void ExpectTiles(uint32_t n) {
  // floor(2^128 / n): for n == 1 it does not fit, handled by the last-range rule.
  HashKey width = n == 1 ? 0 : static_cast<HashKey>(kMaxHashKey / n + ((kMaxHashKey % n) == n - 1 ? 1 : 0));
  HashKeyRange first = EvenRange(0, n);
  ASSERT_TRUE(first.start == 0) << n;
  HashKeyRange prev = first;
  auto check_step = [&](uint32_t i) {
    HashKeyRange r = EvenRange(i, n);
    EXPECT_TRUE(r.start <= r.end) << "n=" << n << " i=" << i;
    if (n > 1) { EXPECT_TRUE(r.start == width * i) << "n=" << n << " i=" << i; }
    if (i + 1 < n && n > 1) { EXPECT_TRUE(r.end - r.start + 1 == width) << "n=" << n << " i=" << i; }
    return r;
  };
  if (n <= 5000) {
    for (uint32_t i = 1; i < n; ++i) {
      HashKeyRange r = check_step(i);
      ASSERT_TRUE(prev.end + 1 == r.start) << "gap/overlap at n=" << n << " i=" << i;
      prev = r;
    }
  } else {
    for (uint32_t i : {1u, 2u, n / 2, n - 2, n - 1}) {
      HashKeyRange a = EvenRange(i - 1, n), b = check_step(i);
      ASSERT_TRUE(a.end + 1 == b.start) << "gap/overlap at n=" << n << " i=" << i;
    }
    prev = EvenRange(n - 1, n);
  }
  ASSERT_TRUE(prev.end == kMaxHashKey) << n;
  // The last shard absorbs the remainder, which is smaller than n.
  if (n > 1) { ASSERT_TRUE(prev.end - prev.start + 1 >= width && prev.end - prev.start + 1 - width < n); }
}

TEST(EvenRangeTest, RangesTileTheSpace) {
  for (uint32_t n = 1; n <= 130; ++n) ExpectTiles(n);
  for (uint32_t n :
       {256u, 500u, 999u, 1000u, 1024u, 4096u, 10000u, 65536u, 100000u, (1u << 24) - 1, 1u << 24, UINT32_MAX})
    ExpectTiles(n);
}

TEST(EvenRangeTest, EveryKeyFallsInExactlyOneRange) {
  std::mt19937_64 rng(5);
  for (uint32_t n : {1u, 2u, 3u, 4u, 7u, 10u}) {
    std::vector<HashKeyRange> ranges;
    for (uint32_t i = 0; i < n; ++i) ranges.push_back(EvenRange(i, n));
    std::vector<HashKey> keys = {0, 1, kMaxHashKey, kMaxHashKey - 1};
    for (auto& r : ranges) {
      keys.push_back(r.start);
      keys.push_back(r.end);
    }
    for (int i = 0; i < 2000; ++i) keys.push_back(RandomKey(rng));
    for (HashKey k : keys) {
      int hits = 0;
      for (auto& r : ranges) hits += r.Contains(k);
      ASSERT_EQ(hits, 1) << "n=" << n << " key=" << FormatHashKey(k);
    }
  }
}

}  // namespace
}  // namespace sluice::model
