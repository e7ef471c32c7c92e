#include "base/log.h"

#include <gtest/gtest.h>

#include <string>

#include "base/clock.h"

namespace sluice::log {
namespace {

TEST(LogLevelTest, SetAndQuery) {
  Level saved = GetLevel();
  SetLevel(Level::kWarn);
  EXPECT_EQ(GetLevel(), Level::kWarn);
  EXPECT_FALSE(Enabled(Level::kDebug));
  EXPECT_FALSE(Enabled(Level::kInfo));
  EXPECT_TRUE(Enabled(Level::kWarn));
  EXPECT_TRUE(Enabled(Level::kError));
  SetLevel(Level::kDebug);
  EXPECT_TRUE(Enabled(Level::kDebug));
  SetLevel(saved);
}

TEST(LogWriteTest, WritesOneJsonLine) {
  Level saved = GetLevel();
  SetLevel(Level::kInfo);
  testing::internal::CaptureStderr();
  SLOG(kInfo, "test", "hello \"there\"", {{"k", "v\n"}});
  SLOG(kDebug, "test", "suppressed");
  std::string err = testing::internal::GetCapturedStderr();
  SetLevel(saved);
  ASSERT_FALSE(err.empty());
  EXPECT_EQ(err.back(), '\n');
  EXPECT_EQ(err.find('\n'), err.size() - 1) << err;  // exactly one line
  EXPECT_NE(err.find("\"level\":\"info\""), std::string::npos) << err;
  EXPECT_NE(err.find("\"logger\":\"test\""), std::string::npos) << err;
  EXPECT_NE(err.find("\"msg\":\"hello \\\"there\\\"\""), std::string::npos) << err;
  EXPECT_NE(err.find("\"k\":\"v\\n\""), std::string::npos) << err;
  EXPECT_EQ(err.find("suppressed"), std::string::npos);
  EXPECT_EQ(err.rfind("{\"ts\":\"", 0), 0u) << err;
}

TEST(LogWriteTest, TimestampComesFromTheClock) {
  ManualClock clock(1440938160123);
  SetClock(&clock);
  testing::internal::CaptureStderr();
  SLOG(kError, "test", "at a known time");
  std::string err = testing::internal::GetCapturedStderr();
  SetClock(nullptr);
  EXPECT_EQ(err.rfind("{\"ts\":\"2015-08-30T12:36:00.123Z\",\"level\":\"error\"", 0), 0u) << err;
}

}  // namespace
}  // namespace sluice::log
