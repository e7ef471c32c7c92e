#include "limits/shard_limits.h"

#include <gtest/gtest.h>

namespace sluice::limits {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr uint64_t kMiB = 1024 * 1024;

TEST(ShardLimits, ThousandRecordsPerSecondThenOneEveryMillisecond) {
  ShardLimits l(LimitsConfig{}, kT0);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(l.AdmitWrite(10, kT0)) << i;
  EXPECT_FALSE(l.AdmitWrite(10, kT0));
  EXPECT_TRUE(l.AdmitWrite(10, kT0 + 1));
  EXPECT_FALSE(l.AdmitWrite(10, kT0 + 1));
}

TEST(ShardLimits, OneMiBPerSecond) {
  ShardLimits l(LimitsConfig{}, kT0);
  EXPECT_TRUE(l.AdmitWrite(kMiB / 2, kT0));
  EXPECT_TRUE(l.AdmitWrite(kMiB / 2, kT0));
  EXPECT_FALSE(l.AdmitWrite(1, kT0));
  // 1 MiB/s = 1048.576 bytes per ms
  EXPECT_TRUE(l.AdmitWrite(1048, kT0 + 1));
  EXPECT_FALSE(l.AdmitWrite(1, kT0 + 1));
}

TEST(ShardLimits, ARefusedRecordTakesNothing) {
  ShardLimits l(LimitsConfig{}, kT0);
  ASSERT_TRUE(l.AdmitWrite(kMiB - 100, kT0));
  EXPECT_FALSE(l.AdmitWrite(200, kT0));  // over the bytes: must not use a record token
  for (int i = 0; i < 999; ++i) ASSERT_TRUE(l.AdmitWrite(0, kT0)) << i;
  EXPECT_FALSE(l.AdmitWrite(0, kT0));
}

TEST(ShardLimits, LargeRecordPaysWithTheFollowingSeconds) {
  ShardLimits l(LimitsConfig{}, kT0);
  EXPECT_TRUE(l.AdmitWrite(10 * kMiB, kT0));
  EXPECT_FALSE(l.AdmitWrite(1, kT0 + 8999));
  EXPECT_TRUE(l.AdmitWrite(1, kT0 + 9001));
}

TEST(ShardLimits, LargeRecordStreamsBurstTwoMaximalRecords) {
  ShardLimits l(LimitsConfig{}, kT0);
  EXPECT_TRUE(l.AdmitWrite(10 * kMiB, kT0, 20 * kMiB));  // a fresh shard is full at the larger burst
  EXPECT_TRUE(l.AdmitWrite(6 * kMiB, kT0, 20 * kMiB));
  EXPECT_FALSE(l.AdmitWrite(5 * kMiB, kT0, 20 * kMiB));
  // the average is still 1 MiB/s: 16 MiB used, 20 MiB full again 16 s later
  EXPECT_FALSE(l.AdmitWrite(20 * kMiB, kT0 + 15999, 20 * kMiB));
  EXPECT_TRUE(l.AdmitWrite(20 * kMiB, kT0 + 16000, 20 * kMiB));
}

TEST(ShardLimits, FiveReadsPerSecond) {
  ShardLimits l(LimitsConfig{}, kT0);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(l.AdmitRead(kT0)) << i;
  EXPECT_FALSE(l.AdmitRead(kT0 + 199));
  EXPECT_TRUE(l.AdmitRead(kT0 + 200));
}

TEST(ShardLimits, TenMiBReadThrottlesTheNextSeconds) {
  ShardLimits l(LimitsConfig{}, kT0);
  ASSERT_TRUE(l.AdmitRead(kT0));
  l.ChargeRead(10 * kMiB, kT0);  // 2 MiB full - 10 MiB = -8 MiB at 2 MiB/s
  EXPECT_FALSE(l.AdmitRead(kT0 + 1000));
  EXPECT_FALSE(l.AdmitRead(kT0 + 4000));
  EXPECT_TRUE(l.AdmitRead(kT0 + 4001));
}

TEST(ShardLimits, ByteThrottledReadKeepsItsCallToken) {
  LimitsConfig c;
  c.shard_read_calls_per_sec = 1;
  ShardLimits l(c, kT0);
  l.ChargeRead(4 * kMiB, kT0);  // -2 MiB: 1 s to positive
  EXPECT_FALSE(l.AdmitRead(kT0 + 500));
  EXPECT_TRUE(l.AdmitRead(kT0 + 1001));  // the only call token is still there
}

TEST(ShardLimits, ShardIteratorsFivePerSecond) {
  ShardLimits l(LimitsConfig{}, kT0);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(l.AdmitShardIterator(kT0));
  EXPECT_FALSE(l.AdmitShardIterator(kT0));
  EXPECT_TRUE(l.AdmitShardIterator(kT0 + 200));
}

TEST(ShardLimits, CustomRatesAndBurst) {
  LimitsConfig c;
  c.shard_write_records_per_sec = 10;
  c.burst_seconds = 3;
  ShardLimits l(c, kT0);
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(l.AdmitWrite(1, kT0)) << i;
  EXPECT_FALSE(l.AdmitWrite(1, kT0));
  EXPECT_TRUE(l.AdmitWrite(1, kT0 + 100));
}

TEST(ShardLimits, IdleOnceEveryBucketRefilled) {
  ShardLimits l(LimitsConfig{}, kT0);
  EXPECT_TRUE(l.IdleAt(kT0));
  ASSERT_TRUE(l.AdmitWrite(kMiB, kT0));
  EXPECT_FALSE(l.IdleAt(kT0 + 500));
  EXPECT_TRUE(l.IdleAt(kT0 + 1000));
}

}  // namespace
}  // namespace sluice::limits
