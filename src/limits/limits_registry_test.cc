#include "limits/limits_registry.h"

#include <gtest/gtest.h>

#include <vector>

namespace sluice::limits {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;

TEST(LimitsRegistry, WritesAdmittedInOrderPerShard) {
  LimitsRegistry r(LimitsConfig{});
  std::vector<uint64_t> sizes(1500, 100);
  std::vector<uint8_t> ok(sizes.size());
  EXPECT_EQ(r.AdmitWrites(7, 0, kT0, sizes, ok.data()), 1000u);
  EXPECT_EQ(ok[999], 1);
  EXPECT_EQ(ok[1000], 0);
  // another shard, and the same shard index of another stream, have their own budgets
  EXPECT_EQ(r.AdmitWrites(7, 1, kT0, sizes, ok.data()), 1000u);
  EXPECT_EQ(r.AdmitWrites(8, 0, kT0, sizes, ok.data()), 1000u);
  EXPECT_EQ(r.AdmitWrites(7, 0, kT0 + 500, sizes, ok.data()), 500u);
}

TEST(LimitsRegistry, ReadsAndIterators) {
  LimitsRegistry r(LimitsConfig{});
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(r.AdmitRead(1, 2, kT0));
  EXPECT_FALSE(r.AdmitRead(1, 2, kT0));
  r.ChargeRead(1, 3, kT0, 10 * 1024 * 1024);
  EXPECT_FALSE(r.AdmitRead(1, 3, kT0 + 3000));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(r.AdmitShardIterator(1, 2, kT0));
  EXPECT_FALSE(r.AdmitShardIterator(1, 2, kT0));
}

TEST(LimitsRegistry, ControlPlaneScopes) {
  LimitsRegistry r(LimitsConfig{});
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(r.AdmitControl(ControlAction::kDescribeStream, "a", "r", "s1", kT0));
  // per account and region: another stream of the same account shares the budget
  EXPECT_FALSE(r.AdmitControl(ControlAction::kDescribeStream, "a", "r", "s2", kT0));
  EXPECT_TRUE(r.AdmitControl(ControlAction::kDescribeStream, "b", "r", "s1", kT0));
  EXPECT_TRUE(r.AdmitControl(ControlAction::kDescribeStream, "a", "r2", "s1", kT0));
  EXPECT_TRUE(r.AdmitControl(ControlAction::kDescribeStream, "a", "r", "s1", kT0 + 100));
  // ListShards is per stream
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(r.AdmitControl(ControlAction::kListShards, "a", "r", "s1", kT0));
  EXPECT_FALSE(r.AdmitControl(ControlAction::kListShards, "a", "r", "s1", kT0));
  EXPECT_TRUE(r.AdmitControl(ControlAction::kListShards, "a", "r", "s2", kT0));
  EXPECT_TRUE(r.AdmitControl(ControlAction::kDescribeLimits, "a", "r", "", kT0));
  EXPECT_FALSE(r.AdmitControl(ControlAction::kDescribeLimits, "a", "r", "", kT0 + 999));
  EXPECT_TRUE(r.AdmitControl(ControlAction::kDescribeLimits, "a", "r", "", kT0 + 1000));
}

TEST(LimitsRegistry, ConsumerOperationScopes) {
  LimitsRegistry r(LimitsConfig{});
  // RegisterStreamConsumer: 5 per account and region, whatever the stream.
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(r.AdmitControl(ControlAction::kRegisterStreamConsumer, "a", "r", i % 2 ? "s1" : "s2", kT0));
  EXPECT_FALSE(r.AdmitControl(ControlAction::kRegisterStreamConsumer, "a", "r", "s3", kT0));
  // The others per stream: DescribeStreamConsumer 20, ListStreamConsumers 5, DeregisterStreamConsumer 5.
  struct PerStream {
    ControlAction action;
    int tps;
  } cases[] = {{ControlAction::kDescribeStreamConsumer, 20},
               {ControlAction::kListStreamConsumers, 5},
               {ControlAction::kDeregisterStreamConsumer, 5}};
  for (const auto& c : cases) {
    for (int i = 0; i < c.tps; ++i)
      ASSERT_TRUE(r.AdmitControl(c.action, "a", "r", "s1", kT0)) << ControlActionName(c.action);
    EXPECT_FALSE(r.AdmitControl(c.action, "a", "r", "s1", kT0)) << ControlActionName(c.action);
    EXPECT_TRUE(r.AdmitControl(c.action, "a", "r", "s2", kT0)) << ControlActionName(c.action);
    EXPECT_EQ(ParseControlAction(ControlActionName(c.action)), c.action);
  }
}

TEST(LimitsRegistry, ControlPlaneOff) {
  LimitsConfig c;
  c.control_plane = false;
  LimitsRegistry r(c);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(r.AdmitControl(ControlAction::kDescribeLimits, "a", "r", "", kT0));
}

TEST(LimitsRegistry, IdleShardStateIsForgotten) {
  LimitsRegistry r(LimitsConfig{});
  std::vector<uint64_t> one{1};
  uint8_t ok;
  for (uint32_t s = 0; s < 50'000; ++s) r.AdmitWrites(1, s, kT0, one, &ok);
  EXPECT_EQ(r.ShardEntries(), 50'000u);
  // a second later every bucket is full again: new shards push the idle ones out
  for (uint32_t s = 0; s < 50'000; ++s) r.AdmitWrites(2, s, kT0 + 1000, one, &ok);
  EXPECT_LT(r.ShardEntries(), 60'000u);
}

}  // namespace
}  // namespace sluice::limits
