#include "model/sequence_number.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <tuple>
#include <vector>

namespace sluice::model {
namespace {

// --- A tiny decimal big-integer oracle, independent of the implementation. -----------------

std::string DecAdd(const std::string& a, const std::string& b) {
  std::string r;
  int carry = 0;
  for (size_t i = 0; i < std::max(a.size(), b.size()) || carry; ++i) {
    int d = carry;
    if (i < a.size()) d += a[a.size() - 1 - i] - '0';
    if (i < b.size()) d += b[b.size() - 1 - i] - '0';
    r.push_back(static_cast<char>('0' + d % 10));
    carry = d / 10;
  }
  while (r.size() > 1 && r.back() == '0') r.pop_back();
  std::reverse(r.begin(), r.end());
  return r;
}

std::string DecMul(const std::string& a, uint64_t m) {
  // m < 2^64: multiply by repeated doubling to stay simple and obviously right.
  std::string result = "0", addend = a;
  while (m) {
    if (m & 1) result = DecAdd(result, addend);
    addend = DecAdd(addend, addend);
    m >>= 1;
  }
  return result;
}

std::string Pow2(int n) {
  std::string r = "1";
  for (int i = 0; i < n; ++i) r = DecAdd(r, r);
  return r;
}

// V = 2^185 + epoch*2^152 + shard*2^128 + offset*2^64 + sub  (docs/formats/sequence-number.md)
std::string Oracle(const SequenceNumber& sn) {
  static const std::string p185 = Pow2(185), p152 = Pow2(152), p128 = Pow2(128), p64 = Pow2(64);
  std::string v = p185;
  v = DecAdd(v, DecMul(p152, sn.stream_epoch));
  v = DecAdd(v, DecMul(p128, sn.shard_index));
  v = DecAdd(v, DecMul(p64, sn.offset));
  v = DecAdd(v, DecMul("1", sn.sub));
  return v;
}

SequenceNumber RandomSn(std::mt19937_64& rng) {
  SequenceNumber sn;
  auto pick64 = [&]() -> uint64_t {
    switch (rng() % 5) {
      case 0: return 0;
      case 1: return UINT64_MAX - rng() % 3;
      case 2: return rng() % 1000;
      default: return rng() >> (rng() % 64);
    }
  };
  sn.stream_epoch = static_cast<uint32_t>(rng() % 4 == 0 ? (rng() % 2 ? 0 : UINT32_MAX) : rng());
  sn.shard_index = static_cast<uint32_t>(rng() % 4 == 0 ? (rng() % 2 ? 0 : kMaxShardIndexInSequence)
                                                        : rng() % (kMaxShardIndexInSequence + 1));
  sn.offset = pick64();
  sn.sub = rng() % 3 == 0 ? pick64() : 0;
  return sn;
}

const SequenceNumber kMaxSn{UINT32_MAX, kMaxShardIndexInSequence, UINT64_MAX, UINT64_MAX};
const SequenceNumber kMinSn{0, 0, 0, 0};

TEST(SequenceNumberTest, AlwaysFiftySixDigits) {
  EXPECT_EQ(FormatSequenceNumber(kMinSn).size(), kSequenceNumberDigits);
  EXPECT_EQ(FormatSequenceNumber(kMaxSn).size(), kSequenceNumberDigits);
  std::mt19937_64 rng(1);
  for (int i = 0; i < 5000; ++i) {
    std::string s = FormatSequenceNumber(RandomSn(rng));
    ASSERT_EQ(s.size(), 56u) << s;
    ASSERT_TRUE(MatchesSequenceNumberPattern(s)) << s;
    ASSERT_NE(s[0], '0');
  }
}

TEST(SequenceNumberTest, MatchesDocumentedLayout) {
  EXPECT_EQ(FormatSequenceNumber(kMinSn), Pow2(185));
  EXPECT_EQ(FormatSequenceNumber(kMinSn), "49039857307708443467467104868809893875799651909875269632");
  EXPECT_EQ(FormatSequenceNumber(kMaxSn), Oracle(kMaxSn));
  EXPECT_EQ(FormatSequenceNumber({1701760153, 3, 42, 0}), Oracle({1701760153, 3, 42, 0}));
  std::mt19937_64 rng(2);
  for (int i = 0; i < 300; ++i) {
    SequenceNumber sn = RandomSn(rng);
    ASSERT_EQ(FormatSequenceNumber(sn), Oracle(sn))
        << sn.stream_epoch << "/" << sn.shard_index << "/" << sn.offset << "/" << sn.sub;
  }
}

TEST(SequenceNumberTest, FormatToWritesExactly56Chars) {
  char buf[70];
  std::fill(std::begin(buf), std::end(buf), '#');
  FormatSequenceNumberTo({5, 6, 7, 8}, buf);
  EXPECT_EQ(std::string(buf, 56), FormatSequenceNumber({5, 6, 7, 8}));
  for (size_t i = 56; i < sizeof buf; ++i) EXPECT_EQ(buf[i], '#');
}

TEST(SequenceNumberTest, StrictlyIncreasingInOffset) {
  for (uint32_t epoch : {0u, 1700000000u, UINT32_MAX}) {
    for (uint32_t shard : {0u, 1u, kMaxShardIndexInSequence}) {
      std::string prev = FormatSequenceNumber({epoch, shard, 0, 0});
      for (uint64_t off = 1; off < 3000; ++off) {
        std::string cur = FormatSequenceNumber({epoch, shard, off, 0});
        ASSERT_LT(prev, cur) << off;  // same length: string order == numeric order
        prev = cur;
      }
      std::string hi = FormatSequenceNumber({epoch, shard, UINT64_MAX - 1, 0});
      EXPECT_LT(hi, FormatSequenceNumber({epoch, shard, UINT64_MAX, 0}));
      // Sub-positions sit between offsets.
      EXPECT_LT(FormatSequenceNumber({epoch, shard, 5, 0}), FormatSequenceNumber({epoch, shard, 5, 1}));
      EXPECT_LT(FormatSequenceNumber({epoch, shard, 5, UINT64_MAX}), FormatSequenceNumber({epoch, shard, 6, 0}));
    }
  }
}

TEST(SequenceNumberTest, NumericOrderEqualsFieldOrder) {
  std::mt19937_64 rng(3);
  auto tuple = [](const SequenceNumber& s) { return std::make_tuple(s.stream_epoch, s.shard_index, s.offset, s.sub); };
  for (int i = 0; i < 20000; ++i) {
    SequenceNumber a = RandomSn(rng), b = a;
    // Make b differ from a in one field only half of the time, to exercise each field.
    switch (rng() % 6) {
      case 0: b.stream_epoch = static_cast<uint32_t>(rng()); break;
      case 1: b.shard_index = static_cast<uint32_t>(rng() % (kMaxShardIndexInSequence + 1)); break;
      case 2: b.offset = rng(); break;
      case 3: b.sub = rng(); break;
      default: b = RandomSn(rng);
    }
    std::string sa = FormatSequenceNumber(a), sb = FormatSequenceNumber(b);
    ASSERT_EQ(sa < sb, tuple(a) < tuple(b));
    ASSERT_EQ(sa == sb, tuple(a) == tuple(b));
    ASSERT_EQ(sa < sb, a < b);  // the struct's own ordering agrees
  }
}

TEST(SequenceNumberTest, ParseInvertsFormat) {
  EXPECT_EQ(ParseSequenceNumber(FormatSequenceNumber(kMinSn)), kMinSn);
  EXPECT_EQ(ParseSequenceNumber(FormatSequenceNumber(kMaxSn)), kMaxSn);
  const SequenceNumber edges[] = {
      {UINT32_MAX, 0, 0, 0}, {0, kMaxShardIndexInSequence, 0, 0}, {0, 0, UINT64_MAX, 0}, {0, 0, 0, UINT64_MAX},
      {1, 1, 1, 1},          {1700000000, 4095, 1ull << 63, 0},
  };
  for (const auto& sn : edges) EXPECT_EQ(ParseSequenceNumber(FormatSequenceNumber(sn)), sn);
  std::mt19937_64 rng(4);
  for (int i = 0; i < 20000; ++i) {
    SequenceNumber sn = RandomSn(rng);
    auto back = ParseSequenceNumber(FormatSequenceNumber(sn));
    ASSERT_TRUE(back.has_value());
    ASSERT_EQ(*back, sn);
  }
}

TEST(SequenceNumberTest, ParseRejectsWrongLengthsAndShapes) {
  std::string good = FormatSequenceNumber({1700000000, 2, 3, 0});
  EXPECT_FALSE(ParseSequenceNumber("").has_value());
  EXPECT_FALSE(ParseSequenceNumber("0").has_value());
  EXPECT_FALSE(ParseSequenceNumber("1").has_value());
  EXPECT_FALSE(ParseSequenceNumber(good.substr(0, 55)).has_value());
  EXPECT_FALSE(ParseSequenceNumber(good + "0").has_value());
  EXPECT_FALSE(ParseSequenceNumber(good.substr(1)).has_value());
  EXPECT_FALSE(ParseSequenceNumber(std::string(129, '9')).has_value());
  std::string leading_zero = good;
  leading_zero[0] = '0';
  EXPECT_FALSE(ParseSequenceNumber(leading_zero).has_value());
  for (size_t pos : {0ul, 1ul, 30ul, 55ul}) {
    for (char c : {'a', ' ', '-', '+', '.', '\0', 'x'}) {
      std::string bad = good;
      bad[pos] = c;
      EXPECT_FALSE(ParseSequenceNumber(bad).has_value()) << pos << " " << int(c);
    }
  }
  std::string leading_space = good;
  leading_space[0] = ' ';
  EXPECT_FALSE(ParseSequenceNumber(leading_space).has_value());
}

TEST(SequenceNumberTest, ParseRejectsForeignFiftySixDigitNumbers) {
  // Below 2^185 (no marker bit).
  EXPECT_FALSE(ParseSequenceNumber("1" + std::string(55, '0')).has_value());
  EXPECT_FALSE(ParseSequenceNumber("49039857307708443467467104868809893875799651909875269631").has_value());  // 2^185-1
  EXPECT_FALSE(ParseSequenceNumber("40000000000000000000000000000000000000000000000000000000").has_value());
  // Reserved bit 184 set: [1.5 * 2^185, 2^186).
  std::string with_reserved = DecAdd(Pow2(185), Pow2(184));
  ASSERT_EQ(with_reserved.size(), 56u);
  EXPECT_FALSE(ParseSequenceNumber(with_reserved).has_value());
  EXPECT_FALSE(ParseSequenceNumber("74000000000000000000000000000000000000000000000000000000").has_value());
  // At or above 2^186 (still 56 digits).
  EXPECT_FALSE(ParseSequenceNumber(Pow2(186)).has_value());
  EXPECT_FALSE(ParseSequenceNumber(std::string(56, '9')).has_value());
  // The largest valid one is accepted, one more is not.
  std::string max = FormatSequenceNumber(kMaxSn);
  EXPECT_TRUE(ParseSequenceNumber(max).has_value());
  EXPECT_EQ(DecAdd(max, "1"), with_reserved);
}

TEST(SequenceNumberTest, PatternMatcher) {
  EXPECT_TRUE(MatchesSequenceNumberPattern("0"));
  EXPECT_TRUE(MatchesSequenceNumberPattern("1"));
  EXPECT_TRUE(MatchesSequenceNumberPattern("1" + std::string(128, '0')));   // 129 digits
  EXPECT_FALSE(MatchesSequenceNumberPattern("1" + std::string(129, '0')));  // 130 digits
  EXPECT_FALSE(MatchesSequenceNumberPattern(""));
  EXPECT_FALSE(MatchesSequenceNumberPattern("00"));
  EXPECT_FALSE(MatchesSequenceNumberPattern("01"));
  EXPECT_FALSE(MatchesSequenceNumberPattern("-1"));
  EXPECT_FALSE(MatchesSequenceNumberPattern("1a"));
  EXPECT_FALSE(MatchesSequenceNumberPattern(" 1"));
  EXPECT_TRUE(MatchesSequenceNumberPattern("49543463076548007577105092703039560359975228518395019266"));
}

void ExpectSequenceMatches(uint32_t epoch, uint32_t shard, uint64_t first, uint64_t steps) {
  SequenceNumberSequence seq(epoch, shard, first);
  for (uint64_t i = 0; i < steps; ++i) {
    std::string expect = FormatSequenceNumber({epoch, shard, first + i, 0});
    ASSERT_EQ(seq.Current().size(), 56u);
    ASSERT_EQ(std::string(seq.Current()), expect) << "epoch " << epoch << " shard " << shard << " offset " << first + i;
    if (i + 1 < steps) seq.Next();
  }
}

TEST(SequenceNumberSequenceTest, NextEqualsFormatOfNextOffset) {
  ExpectSequenceMatches(0, 0, 0, 20000);
  ExpectSequenceMatches(1700000000, 7, 0, 5000);
  ExpectSequenceMatches(UINT32_MAX, kMaxShardIndexInSequence, 0, 5000);
  ExpectSequenceMatches(1700000000, 3, 123456789, 5000);
  // Offsets whose decimal rendering is about to roll over many digits.
  ExpectSequenceMatches(1700000000, 1, (1ull << 32) - 50, 100);
  ExpectSequenceMatches(1700000000, 1, 999999999999ull - 50, 100);
  ExpectSequenceMatches(1700000000, 1, 10000000000000000000ull - 50, 100);
  // Up to the largest offset (no wrap).
  ExpectSequenceMatches(1700000000, 1, UINT64_MAX - 999, 1000);
  ExpectSequenceMatches(UINT32_MAX, kMaxShardIndexInSequence, UINT64_MAX - 999, 1000);
}

TEST(SequenceNumberSequenceTest, RandomStartsAndCarries) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 200; ++i) {
    uint32_t epoch = static_cast<uint32_t>(rng());
    uint32_t shard = static_cast<uint32_t>(rng() % (kMaxShardIndexInSequence + 1));
    uint64_t first = rng() >> (rng() % 64);
    if (first > UINT64_MAX - 300) first = UINT64_MAX - 300;
    ExpectSequenceMatches(epoch, shard, first, 300);
  }
}

TEST(SequenceNumberSequenceTest, DigitsCarryAcrossTheWholeNumber) {
  // Find a start whose decimal rendering ends in a long run of 9s so Next carries far left.
  // Brute-force search over offsets is expensive; instead check consecutive numbers for
  // carries into the 20 leftmost digits by walking many steps from a few seeds.
  for (uint64_t first : {0ull, 542101086242ull, 5421010862427522170ull}) {
    SequenceNumberSequence seq(1700000000, 9, first);
    std::string prev(seq.Current());
    for (int i = 1; i < 2000; ++i) {
      seq.Next();
      std::string cur(seq.Current());
      ASSERT_EQ(cur, FormatSequenceNumber({1700000000, 9, first + static_cast<uint64_t>(i), 0}));
      ASSERT_LT(prev, cur);
      prev = cur;
    }
  }
}

// N successive Next() calls land where a sequence constructed at offset + N starts.
void ExpectNextNEqualsFresh(uint32_t epoch, uint32_t shard, uint64_t first, uint64_t n) {
  SequenceNumberSequence seq(epoch, shard, first);
  for (uint64_t i = 0; i < n; ++i) seq.Next();
  SequenceNumberSequence fresh(epoch, shard, first + n);
  ASSERT_EQ(seq.Current(), fresh.Current())
      << "epoch " << epoch << " shard " << shard << " offset " << first << " + " << n;
  ASSERT_EQ(std::string(fresh.Current()), FormatSequenceNumber({epoch, shard, first + n, 0}));
}

TEST(SequenceNumberSequenceTest, NextNTimesEqualsFreshAtOffsetPlusN) {
  std::mt19937_64 rng(12);
  for (int i = 0; i < 2000; ++i) {
    uint32_t epoch = static_cast<uint32_t>(rng());
    uint32_t shard = static_cast<uint32_t>(rng() % (kMaxShardIndexInSequence + 1));
    uint64_t n = rng() % 1000;
    uint64_t first = rng() >> (rng() % 64);
    if (first > UINT64_MAX - n) first = UINT64_MAX - n;
    ExpectNextNEqualsFresh(epoch, shard, first, n);
  }
  // The largest offsets the format allows, with the largest epoch and shard.
  for (uint64_t n : {0ull, 1ull, 2ull, 17ull, 1000ull, 100000ull}) {
    ExpectNextNEqualsFresh(UINT32_MAX, kMaxShardIndexInSequence, UINT64_MAX - n, n);
    ExpectNextNEqualsFresh(0, 0, UINT64_MAX - n, n);
    ExpectNextNEqualsFresh(0, 0, 0, n);
  }
}

TEST(SequenceNumberSequenceTest, CarriesThroughTheMiddleDigits) {
  // Next keeps the last 19 digits in binary and increments the 37 digits above them in decimal.
  // Start just below numbers whose digits 18..36 are all 9s (or end in many 9s) so that the
  // increment carries through the middle into the top 18 digits.
  std::mt19937_64 rng(13);
  int carried_into_top = 0;
  for (int i = 0; i < 300; ++i) {
    SequenceNumber base{static_cast<uint32_t>(rng()), static_cast<uint32_t>(rng() % (kMaxShardIndexInSequence + 1)),
                        rng(), 0};
    std::string text = FormatSequenceNumber(base);
    int nines = 1 + static_cast<int>(rng() % 19);  // how many of digits 18..36 become 9
    for (int k = 0; k < nines; ++k) text[36 - k] = '9';
    auto target = ParseSequenceNumber(text);
    if (!target.has_value()) continue;  // pushed past the largest valid number
    uint64_t first = target->offset >= 5 ? target->offset - 5 : 0;
    if (first > UINT64_MAX - 30) first = UINT64_MAX - 30;
    SequenceNumberSequence seq(target->stream_epoch, target->shard_index, first);
    std::string top(seq.Current().substr(0, 18));
    for (uint64_t step = 1; step <= 30; ++step) {
      seq.Next();
      std::string expect = FormatSequenceNumber({target->stream_epoch, target->shard_index, first + step, 0});
      ASSERT_EQ(std::string(seq.Current()), expect) << "start " << text << " step " << step;
    }
    if (seq.Current().substr(0, 18) != top) ++carried_into_top;
  }
  EXPECT_GT(carried_into_top, 10);  // the walk really crossed into the top digits
}

}  // namespace
}  // namespace sluice::model
