#include "limits/token_bucket.h"

#include <gtest/gtest.h>

namespace sluice::limits {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;

TEST(TokenBucket, StartsFullAndRefusesPastCapacity) {
  TokenBucket b(5, 5, kT0);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(b.TryTake(1, kT0)) << i;
  EXPECT_FALSE(b.TryTake(1, kT0));
}

TEST(TokenBucket, RefillIsExactAtTheBoundary) {
  TokenBucket b(5, 5, kT0);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(b.TryTake(1, kT0));
  // 5 per second = one token every 200 ms: 199 ms is not enough, 200 ms is.
  EXPECT_FALSE(b.TryTake(1, kT0 + 199));
  EXPECT_TRUE(b.TryTake(1, kT0 + 200));
  EXPECT_FALSE(b.TryTake(1, kT0 + 200));
  EXPECT_EQ(b.level_milli(), 0);
}

TEST(TokenBucket, FractionalRefillAccumulatesWithoutDrift) {
  TokenBucket b(3, 3, kT0);  // one token every 333.33 ms
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(b.TryTake(1, kT0));
  int64_t t = kT0;
  for (int ms = 0; ms < 1000; ++ms) b.Refill(++t);  // 1000 steps of 1 ms
  EXPECT_EQ(b.level_milli(), 3 * TokenBucket::kScale);
}

TEST(TokenBucket, CapsAtCapacityAfterLongIdle) {
  TokenBucket b(1000, 1000, kT0);
  ASSERT_TRUE(b.TryTake(1000, kT0));
  b.Refill(kT0 + (int64_t{1} << 40));
  EXPECT_EQ(b.level_milli(), b.capacity_milli());
}

TEST(TokenBucket, ClockSteppingBackRefillsNothing) {
  TokenBucket b(10, 10, kT0);
  ASSERT_TRUE(b.TryTake(10, kT0));
  EXPECT_FALSE(b.TryTake(1, kT0 - 5000));
  EXPECT_FALSE(b.TryTake(1, kT0 + 99));
  EXPECT_TRUE(b.TryTake(1, kT0 + 100));
}

TEST(TokenBucket, DebtAdmitsAnOversizedCostFromAFullBucketOnly) {
  const uint64_t mib = 1024 * 1024;
  TokenBucket b(mib, mib, kT0);
  EXPECT_TRUE(b.TryTakeWithDebt(10 * mib, kT0));  // 10 MiB record from a full 1 MiB bucket
  EXPECT_EQ(b.level_milli(), -9 * int64_t(mib) * TokenBucket::kScale);
  // 9 s of refill bring the level to exactly 0; a byte needs one more millisecond, a second
  // 10 MiB record a full bucket again.
  EXPECT_FALSE(b.TryTakeWithDebt(1, kT0 + 9000));  // level exactly 0: one byte is not there
  EXPECT_TRUE(b.TryTakeWithDebt(1, kT0 + 9001));
  EXPECT_FALSE(b.TryTakeWithDebt(10 * mib, kT0 + 9999));
  EXPECT_TRUE(b.TryTakeWithDebt(10 * mib, kT0 + 10001));
}

TEST(TokenBucket, SetCapacityKeepsFullBucketsFullAndClamps) {
  TokenBucket b(10, 10, kT0);
  b.SetCapacity(100);
  EXPECT_EQ(b.level_milli(), 100 * TokenBucket::kScale);
  ASSERT_TRUE(b.TryTake(95, kT0));
  b.SetCapacity(200);  // not full: keeps its level
  EXPECT_EQ(b.level_milli(), 5 * TokenBucket::kScale);
  b.Charge(1, kT0);
  b.SetCapacity(2);
  EXPECT_EQ(b.level_milli(), 2 * TokenBucket::kScale);
}

TEST(TokenBucket, ChargeAndCredit) {
  TokenBucket b(2, 2, kT0);
  EXPECT_TRUE(b.HasCredit(kT0));
  b.Charge(10, kT0);                      // -8
  EXPECT_FALSE(b.HasCredit(kT0 + 4000));  // exactly 0 is no credit
  EXPECT_TRUE(b.HasCredit(kT0 + 4001));
}

}  // namespace
}  // namespace sluice::limits
