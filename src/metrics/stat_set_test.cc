#include "metrics/stat_set.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace sluice::metrics {
namespace {

TEST(SketchTest, BucketsHoldTheirValuesWithinRelativeError) {
  for (double v : {1e-9, 0.001, 0.5, 1.0, 2.0, 3.0, 99.0, 12345.678, 1e12, 9.2e18}) {
    for (double sign : {1.0, -1.0}) {
      const double x = sign * v;
      const int32_t key = Sketch::KeyOf(x);
      EXPECT_NEAR(Sketch::ValueOfKey(key), x, std::fabs(x) * Sketch::kRelativeError * 1.0001) << x;
      EXPECT_LE(Sketch::LowerBound(key), x);
      EXPECT_GE(Sketch::UpperBound(key), x);
    }
  }
  EXPECT_EQ(Sketch::KeyOf(0), 0);
  EXPECT_EQ(Sketch::ValueOfKey(0), 0);
}

TEST(SketchTest, KeysSortLikeValues) {
  const double values[] = {-1e6, -5, -1, -0.5, 0, 0.5, 1, 5, 1e6};
  for (size_t i = 1; i < std::size(values); ++i) EXPECT_LT(Sketch::KeyOf(values[i - 1]), Sketch::KeyOf(values[i]));
}

TEST(SketchTest, QuantilesWithinRelativeError) {
  Sketch s;
  for (int i = 1; i <= 1000; ++i) s.Add(i);
  EXPECT_EQ(s.total(), 1000u);
  EXPECT_NEAR(s.Quantile(0.5), 500, 500 * 0.011);
  EXPECT_NEAR(s.Quantile(0.99), 990, 990 * 0.011);
  EXPECT_NEAR(s.Quantile(0), 1, 0.011);
  Sketch ten;
  for (int i = 1; i <= 10; ++i) ten.Add(i);
  EXPECT_NEAR(ten.Quantile(0.9), 9, 0.09);  // nearest rank 9, not 10
}

TEST(SketchTest, RangeSums) {
  Sketch s;
  for (int i = 1; i <= 100; ++i) s.Add(i);
  auto mid = s.SumBetweenQuantiles(0.1, 0.9);  // ranks 11..90
  EXPECT_DOUBLE_EQ(mid.count, 80);
  EXPECT_NEAR(mid.sum, 4040, 4040 * 0.01);
  auto low = s.SumBetweenValues(0, 10.5, false, true);  // bounds away from bucket edges
  EXPECT_EQ(low.count, 10);
  EXPECT_NEAR(low.sum, 55, 55 * 0.02);
  EXPECT_EQ(s.SumBetweenValues(1000, 2000, true, true).count, 0);
  auto buckets = s.Buckets();
  ASSERT_FALSE(buckets.empty());
  uint64_t total = 0;
  for (const auto& b : buckets) {
    EXPECT_LE(b.lower, b.upper);
    total += b.count;
  }
  EXPECT_EQ(total, 100u);
}

TEST(SketchTest, MergeEqualsAddingEverything) {
  Sketch a, b, all;
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> d(-100, 1000);
  for (int i = 0; i < 500; ++i) {
    const double v = d(rng);
    (i % 2 ? a : b).Add(v);
    all.Add(v);
  }
  a.Merge(b);
  EXPECT_EQ(a, all);
}

TEST(SketchTest, EncodeDecodeRoundTrips) {
  Sketch s;
  s.Add(0, 3);
  s.Add(-7.5);
  s.Add(1e9, 42);
  s.Add(0.001);
  std::string buf;
  s.EncodeTo(&buf);
  buf += "tail";
  std::string_view in = buf;
  Sketch back;
  ASSERT_TRUE(Sketch::DecodeFrom(&in, &back));
  EXPECT_EQ(back, s);
  EXPECT_EQ(in, "tail");
  // Truncated input is rejected.
  std::string_view cut = std::string_view(buf).substr(0, 3);
  EXPECT_FALSE(Sketch::DecodeFrom(&cut, &back));
}

TEST(SketchTest, RunEncodingRoundTripsGapsAndSigns) {
  for (const std::vector<double>& values :
       std::vector<std::vector<double>>{{1}, {-3, 0, 3}, {1, 1.03, 1.09, 1.5, 2, 1e6}, {-1e9, -1e-9, 1e-9, 1e9}}) {
    Sketch s;
    for (double v : values) s.Add(v, 3);
    std::string buf;
    s.EncodeTo(&buf);
    std::string_view in = buf;
    Sketch back;
    ASSERT_TRUE(Sketch::DecodeFrom(&in, &back)) << values.size();
    EXPECT_EQ(back, s);
    EXPECT_TRUE(in.empty());
  }
  Sketch dense;
  for (int i = 1000; i < 3000; ++i) dense.Add(i);  // ~55 neighbouring buckets
  std::string buf;
  dense.EncodeTo(&buf);
  EXPECT_LT(buf.size(), dense.bucket_count() * 2 + 8);  // about one count byte per bucket
}

TEST(SketchTest, CompactEncoding) {
  Sketch s;
  for (int i = 0; i < 1000; ++i) s.Add(100 + i % 10);
  std::string buf;
  s.EncodeTo(&buf);
  EXPECT_LT(buf.size(), 40u);  // a handful of adjacent buckets: ~3 bytes each
}

TEST(StatSetTest, MergeIsExactForBasicStatistics) {
  StatSet a, b;
  a.AddSample(3);
  a.AddSample(5);
  b.AddSample(-1);
  b.AddSample(10, 2);
  a.Merge(b);
  EXPECT_EQ(a.sample_count, 5);
  EXPECT_EQ(a.sum, 27);
  EXPECT_EQ(a.min, -1);
  EXPECT_EQ(a.max, 10);
  EXPECT_EQ(a.sketch.total(), 5u);
  StatSet empty;
  a.Merge(empty);
  EXPECT_EQ(a.sample_count, 5);
}

}  // namespace
}  // namespace sluice::metrics
