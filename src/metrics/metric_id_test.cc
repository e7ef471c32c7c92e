#include "metrics/metric_id.h"

#include <gtest/gtest.h>

namespace sluice::metrics {
namespace {

TEST(MetricIdTest, DimensionOrderDoesNotMatterAfterNormalize) {
  MetricId a{"AWS/Kinesis", "IncomingBytes", {{"StreamName", "s"}, {"ShardId", "shardId-0"}}};
  MetricId b{"AWS/Kinesis", "IncomingBytes", {{"ShardId", "shardId-0"}, {"StreamName", "s"}}};
  a.Normalize();
  b.Normalize();
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.Key(), b.Key());
}

TEST(MetricIdTest, DistinctDimensionSetsHaveDistinctKeys) {
  MetricId stream{"AWS/Kinesis", "IncomingBytes", {{"StreamName", "s"}}};
  MetricId shard{"AWS/Kinesis", "IncomingBytes", {{"ShardId", "shardId-0"}, {"StreamName", "s"}}};
  EXPECT_NE(stream.Key(), shard.Key());
  // Separators cannot be forged by names that contain them.
  MetricId x{"a", "bc", {}};
  MetricId y{"ab", "c", {}};
  EXPECT_NE(x.Key(), y.Key());
}

TEST(MetricIdTest, KeyRoundTrips) {
  MetricId id{"Custom/App", "Latency", {{"Host", "h1"}, {"Op", "Get"}}};
  auto back = MetricId::FromKey(id.Key());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, id);
  EXPECT_FALSE(MetricId::FromKey("\x05"
                                 "ab")
                   .has_value());
}

TEST(UnitTest, NamesRoundTrip) {
  for (int i = 0; i <= static_cast<int>(Unit::kCountPerSecond); ++i) {
    const auto u = static_cast<Unit>(i);
    auto parsed = ParseUnit(UnitName(u));
    ASSERT_TRUE(parsed.has_value()) << UnitName(u);
    EXPECT_EQ(*parsed, u);
  }
  EXPECT_EQ(UnitName(Unit::kBytesPerSecond), "Bytes/Second");
  EXPECT_EQ(UnitName(Unit::kCount), "Count");
  EXPECT_FALSE(ParseUnit("bytes").has_value());
  EXPECT_FALSE(ParseUnit("").has_value());
}

}  // namespace
}  // namespace sluice::metrics
