#include <gtest/gtest.h>

#include "metrics/stat_set.h"

namespace sluice::metrics {
namespace {

StatSet OneToHundred() {
  StatSet s;
  for (int i = 1; i <= 100; ++i) s.AddSample(i);
  return s;
}

double Eval(const StatSet& s, std::string_view stat) {
  auto v = EvaluateStatistic(s, stat);
  EXPECT_TRUE(v.has_value()) << stat;
  return v.value_or(-12345);
}

TEST(StatisticsTest, StandardStatisticsAreExact) {
  const StatSet s = OneToHundred();
  EXPECT_EQ(Eval(s, "SampleCount"), 100);
  EXPECT_EQ(Eval(s, "Sum"), 5050);
  EXPECT_EQ(Eval(s, "Average"), 50.5);
  EXPECT_EQ(Eval(s, "Minimum"), 1);
  EXPECT_EQ(Eval(s, "Maximum"), 100);
  EXPECT_TRUE(IsStandardStatistic("Average"));
  EXPECT_FALSE(IsStandardStatistic("average"));
  EXPECT_FALSE(IsStandardStatistic("p99"));
}

TEST(StatisticsTest, EmptySetHasNoValue) {
  StatSet s;
  EXPECT_FALSE(EvaluateStatistic(s, "Sum").has_value());
  EXPECT_FALSE(EvaluateStatistic(s, "p50").has_value());
}

TEST(StatisticsTest, Percentiles) {
  const StatSet s = OneToHundred();
  EXPECT_NEAR(Eval(s, "p50"), 50, 0.5);
  EXPECT_NEAR(Eval(s, "p90"), 90, 0.9);
  EXPECT_NEAR(Eval(s, "p99"), 99, 1);
  EXPECT_NEAR(Eval(s, "p99.9"), 100, 1);
  EXPECT_EQ(Eval(s, "p100"), 100);  // clamped to the exact maximum
  EXPECT_EQ(Eval(s, "p0"), 1);
  StatSet ten;
  for (int i = 1; i <= 10; ++i) ten.AddSample(i);
  EXPECT_NEAR(Eval(ten, "p90"), 9, 0.09);
  EXPECT_NEAR(Eval(ten, "p91"), 10, 0.1);
}

TEST(StatisticsTest, PercentileOfEqualSamplesIsExact) {
  StatSet s;
  for (int i = 0; i < 10; ++i) s.AddSample(123.456);
  EXPECT_EQ(Eval(s, "p50"), 123.456);
  EXPECT_EQ(Eval(s, "p99.99"), 123.456);
  EXPECT_DOUBLE_EQ(Eval(s, "tm90"), 123.456);
  EXPECT_DOUBLE_EQ(Eval(s, "IQM"), 123.456);
}

TEST(StatisticsTest, StatisticSetWithoutSketch) {
  StatSet s;
  s.sample_count = 4;
  s.sum = 10;
  s.min = 1;
  s.max = 4;
  EXPECT_EQ(Eval(s, "Average"), 2.5);
  EXPECT_FALSE(EvaluateStatistic(s, "p50").has_value());
  // All samples equal: min describes them all.
  StatSet eq;
  eq.sample_count = 3;
  eq.sum = 21;
  eq.min = eq.max = 7;
  EXPECT_EQ(Eval(eq, "p90"), 7);
  EXPECT_EQ(Eval(eq, "TC(:50%)"), 1.5);
}

TEST(StatisticsTest, TrimmedMean) {
  const StatSet s = OneToHundred();
  // tm90: drop the top 10% → mean of 1..90.
  EXPECT_NEAR(Eval(s, "tm90"), 45.5, 45.5 * 0.01);
  // TM(10%:90%): mean of 11..90.
  EXPECT_NEAR(Eval(s, "TM(10%:90%)"), 50.5, 50.5 * 0.01);
  EXPECT_NEAR(Eval(s, "TM(:50%)"), 25.5, 25.5 * 0.01);
  EXPECT_NEAR(Eval(s, "TM(50%:)"), 75.5, 75.5 * 0.01);
  // Absolute bounds: values > 20 and <= 30 → 21..30 (a value within 1% of a bound may fall on
  // either side of it).
  EXPECT_NEAR(Eval(s, "TM(20:30)"), 25.5, 0.6);
  EXPECT_NEAR(Eval(s, "IQM"), 50.5, 50.5 * 0.01);
  // No value in range: undefined.
  EXPECT_FALSE(EvaluateStatistic(s, "TM(500:600)").has_value());
}

TEST(StatisticsTest, TrimmedCountAndSum) {
  const StatSet s = OneToHundred();
  EXPECT_DOUBLE_EQ(Eval(s, "tc90"), 90);
  EXPECT_DOUBLE_EQ(Eval(s, "TC(10%:90%)"), 80);
  EXPECT_NEAR(Eval(s, "ts90"), 4095, 4095 * 0.01);
  EXPECT_NEAR(Eval(s, "TS(10%:90%)"), 4040, 4040 * 0.01);
  // Absolute bounds count whole samples (within bucket precision at the edges).
  EXPECT_NEAR(Eval(s, "TC(:50)"), 50, 1);
  EXPECT_EQ(Eval(s, "TC(500:600)"), 0);
}

TEST(StatisticsTest, WinsorizedMean) {
  StatSet s;
  for (int i = 0; i < 8; ++i) s.AddSample(10);
  s.AddSample(1);     // bottom 10%
  s.AddSample(1000);  // top 10%
  // WM(10%:90%): the outliers are replaced by the boundary values (10), so the mean is 10.
  EXPECT_NEAR(Eval(s, "WM(10%:90%)"), 10, 0.1);
  EXPECT_NEAR(Eval(s, "wm90"), (1 + 8 * 10 + 10) / 10.0, 0.1);
  // Absolute: values <= 5 become 5, values > 100 become 100.
  EXPECT_NEAR(Eval(s, "WM(5:100)"), (5 + 80 + 100) / 10.0, 0.1);
}

TEST(StatisticsTest, PercentileRank) {
  const StatSet s = OneToHundred();
  EXPECT_NEAR(Eval(s, "PR(:50)"), 50, 1);
  EXPECT_NEAR(Eval(s, "PR(10:20)"), 10, 1);
  EXPECT_EQ(Eval(s, "PR(:100)"), 100);
  EXPECT_EQ(Eval(s, "PR(100:)"), 0);
}

TEST(StatisticsTest, NegativeAndZeroSamples) {
  StatSet s;
  for (int i = -50; i <= 49; ++i) s.AddSample(i);
  EXPECT_NEAR(Eval(s, "p50"), -1, 1);
  EXPECT_NEAR(Eval(s, "p10"), -41, 0.5);
  EXPECT_NEAR(Eval(s, "PR(:0)"), 51, 1);
}

TEST(StatisticsTest, ExtendedStatisticSyntax) {
  for (const char* ok : {"p99",         "p99.9",       "p0",       "p100",         "p99.9999999999",
                         "tm99",        "tc90",        "ts50",     "wm95",         "IQM",
                         "TM(10%:90%)", "TM(:95%)",    "TM(5%:)",  "TM(150:1000)", "TC(0.5%:99.5%)",
                         "TS(:100)",    "WM(10%:90%)", "PR(:300)", "PR(100:2000)", "PR(-5:5)"}) {
    EXPECT_TRUE(IsValidExtendedStatistic(ok)) << ok;
  }
  for (const char* bad :
       {"",           "p",           "p101",        "p-1",   "p99.",    "p.5",         "P99",         "p99.12345678901",
        "tm0",        "tm",          "tm101",       "TM(:)", "TM()",    "TM(10%:90)",  "TM(90%:10%)", "TM(10:5)",
        "TM(10%90%)", "tm(10%:90%)", "PR(10%:90%)", "IQR",   "Average", "SampleCount", "pr(:300)",    "TM(10%:90%",
        "TM(a:b)"}) {
    EXPECT_FALSE(IsValidExtendedStatistic(bad)) << bad;
  }
}

}  // namespace
}  // namespace sluice::metrics
