#include "base/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/clock.h"

namespace sluice {
namespace {

const Errc kAllCodes[] = {
    Errc::kOk,
    Errc::kNotFound,
    Errc::kInUse,
    Errc::kInvalidArgument,
    Errc::kValidation,
    Errc::kLimitExceeded,
    Errc::kThrottled,
    Errc::kExpiredIterator,
    Errc::kExpiredNextToken,
    Errc::kAccessDenied,
    Errc::kSerialization,
    Errc::kUnavailable,
    Errc::kIoError,
    Errc::kCorruption,
    Errc::kInternal,
};

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), Errc::kOk);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_TRUE(Status::Ok().ok());
  EXPECT_EQ(Status::Ok().code(), Errc::kOk);
}

TEST(StatusTest, ErrorCarriesCodeAndMessage) {
  Status s(Errc::kNotFound, "Stream x under account 1 not found.");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Errc::kNotFound);
  EXPECT_EQ(s.message(), "Stream x under account 1 not found.");
  EXPECT_EQ(s.ToString(), "NotFound: Stream x under account 1 not found.");
  s.IgnoreError();
}

TEST(StatusTest, ErrcNamesAreDistinctAndStable) {
  EXPECT_STREQ(ErrcName(Errc::kOk), "Ok");
  EXPECT_STREQ(ErrcName(Errc::kNotFound), "NotFound");
  EXPECT_STREQ(ErrcName(Errc::kInUse), "InUse");
  EXPECT_STREQ(ErrcName(Errc::kInvalidArgument), "InvalidArgument");
  EXPECT_STREQ(ErrcName(Errc::kValidation), "Validation");
  EXPECT_STREQ(ErrcName(Errc::kLimitExceeded), "LimitExceeded");
  EXPECT_STREQ(ErrcName(Errc::kThrottled), "Throttled");
  EXPECT_STREQ(ErrcName(Errc::kExpiredIterator), "ExpiredIterator");
  EXPECT_STREQ(ErrcName(Errc::kExpiredNextToken), "ExpiredNextToken");
  EXPECT_STREQ(ErrcName(Errc::kAccessDenied), "AccessDenied");
  EXPECT_STREQ(ErrcName(Errc::kSerialization), "Serialization");
  EXPECT_STREQ(ErrcName(Errc::kUnavailable), "Unavailable");
  EXPECT_STREQ(ErrcName(Errc::kIoError), "IoError");
  EXPECT_STREQ(ErrcName(Errc::kCorruption), "Corruption");
  EXPECT_STREQ(ErrcName(Errc::kInternal), "Internal");
  std::set<std::string> names;
  for (Errc c : kAllCodes) names.insert(ErrcName(c));
  EXPECT_EQ(names.size(), std::size(kAllCodes));
  EXPECT_STREQ(ErrcName(static_cast<Errc>(999)), "Unknown");
}

TEST(StatusTest, ToStringForEveryCode) {
  for (Errc c : kAllCodes) {
    if (c == Errc::kOk) continue;
    Status s(c, "m");
    EXPECT_EQ(s.ToString(), std::string(ErrcName(c)) + ": m");
  }
  // An OK code with a message is still OK.
  Status odd(Errc::kOk, "ignored");
  EXPECT_TRUE(odd.ok());
  EXPECT_EQ(odd.ToString(), "OK");
}

TEST(StatusTest, CopyAndMove) {
  Status a(Errc::kThrottled, "slow down");
  Status b = a;
  EXPECT_EQ(b.code(), Errc::kThrottled);
  EXPECT_EQ(b.message(), "slow down");
  Status c = std::move(a);
  EXPECT_EQ(c.code(), Errc::kThrottled);
  EXPECT_EQ(c.message(), "slow down");
}

TEST(ResultTest, HoldsValue) {
  Result<int> r = 42;
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), 42);
  EXPECT_EQ(*r, 42);
  EXPECT_TRUE(r.status().ok());
  *r = 7;
  EXPECT_EQ(r.value(), 7);
}

TEST(ResultTest, HoldsError) {
  Result<int> r = Status(Errc::kLimitExceeded, "too many");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::kLimitExceeded);
  EXPECT_EQ(r.status().message(), "too many");
  Result<std::string> r2(Errc::kAccessDenied, "no");
  EXPECT_FALSE(r2.ok());
  EXPECT_EQ(r2.status().code(), Errc::kAccessDenied);
  EXPECT_EQ(r2.status().message(), "no");
}

TEST(ResultTest, ArrowAndMoveOut) {
  Result<std::string> r(std::string("hello"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 5u);
  const Result<std::string>& cr = r;
  EXPECT_EQ(cr->size(), 5u);
  EXPECT_EQ(*cr, "hello");
  std::string moved = std::move(r).value();
  EXPECT_EQ(moved, "hello");

  Result<std::unique_ptr<int>> p(std::make_unique<int>(5));
  ASSERT_TRUE(p.ok());
  std::unique_ptr<int> owned = std::move(p).value();
  EXPECT_EQ(*owned, 5);
}

TEST(ResultTest, ValueOfStatusTypeIsAmbiguityFree) {
  // A Result of a vector behaves like a container holder.
  Result<std::vector<int>> r(std::vector<int>{1, 2, 3});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 3u);
}

Status Step(bool fail, int* counter) {
  ++*counter;
  if (fail) return Status(Errc::kIoError, "disk");
  return Status::Ok();
}

Status Chain(bool fail_first, bool fail_second, int* counter) {
  SLUICE_RETURN_IF_ERROR(Step(fail_first, counter));
  SLUICE_RETURN_IF_ERROR(Step(fail_second, counter));
  return Status(Errc::kOk, "");
}

TEST(StatusMacroTest, ReturnIfErrorShortCircuits) {
  int n = 0;
  EXPECT_TRUE(Chain(false, false, &n).ok());
  EXPECT_EQ(n, 2);
  n = 0;
  Status s = Chain(true, false, &n);
  EXPECT_EQ(s.code(), Errc::kIoError);
  EXPECT_EQ(s.message(), "disk");
  EXPECT_EQ(n, 1);
  n = 0;
  EXPECT_EQ(Chain(false, true, &n).code(), Errc::kIoError);
  EXPECT_EQ(n, 2);
}

Result<int> ResultChain(bool fail) {
  int n = 0;
  SLUICE_RETURN_IF_ERROR(Step(fail, &n));
  return n;
}

TEST(StatusMacroTest, WorksInFunctionsReturningResult) {
  auto ok = ResultChain(false);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 1);
  auto bad = ResultChain(true);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Errc::kIoError);
}

TEST(ManualClockTest, MovesOnlyWhenTold) {
  ManualClock clock(1'000);
  EXPECT_EQ(clock.NowMillis(), 1'000);
  EXPECT_EQ(clock.MonotonicNanos(), 1'000'000'000);
  clock.Advance(250);
  EXPECT_EQ(clock.NowMillis(), 1'250);
  EXPECT_EQ(clock.MonotonicNanos(), 1'250'000'000);
  clock.Set(5);
  EXPECT_EQ(clock.NowMillis(), 5);
  ManualClock dflt;
  EXPECT_EQ(dflt.NowMillis(), 1'700'000'000'000);
}

TEST(SystemClockTest, PlausibleAndMonotonic) {
  const Clock* c = SystemClock::Default();
  EXPECT_EQ(c, SystemClock::Default());
  EXPECT_GT(c->NowMillis(), 1'600'000'000'000);  // after 2020
  int64_t a = c->MonotonicNanos();
  int64_t b = c->MonotonicNanos();
  EXPECT_LE(a, b);
}

Result<int> Half(int v) {
  if (v % 2 != 0) return Status(Errc::kInvalidArgument, "odd");
  return v / 2;
}

Result<int> Quarter(int v) {
  SLUICE_ASSIGN_OR_RETURN(int half, Half(v));
  SLUICE_ASSIGN_OR_RETURN(auto quarter, Half(half));
  return quarter;
}

Status QuarterInto(int v, int* out) {
  SLUICE_ASSIGN_OR_RETURN(*out, Quarter(v));
  return Status::Ok();
}

TEST(StatusTest, AssignOrReturnAssignsValuesAndReturnsTheFirstError) {
  auto ok = Quarter(8);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 2);
  auto first = Quarter(7);  // fails in the first step
  EXPECT_EQ(first.status().code(), Errc::kInvalidArgument);
  auto second = Quarter(6);  // 3 is odd: fails in the second step
  EXPECT_EQ(second.status().message(), "odd");
  int out = -1;
  EXPECT_TRUE(QuarterInto(12, &out).ok());
  EXPECT_EQ(out, 3);
  out = -1;
  EXPECT_FALSE(QuarterInto(2, &out).ok());
  EXPECT_EQ(out, -1);  // untouched on error
}

}  // namespace
}  // namespace sluice
