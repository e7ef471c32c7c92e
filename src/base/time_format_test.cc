#include "base/time_format.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>

#include <string>
#include <string_view>

namespace sluice {
namespace {

constexpr std::string_view kDate = "20150830T123600Z";

TEST(TimeFormatTest, Dates) {
  auto t = ParseIso8601Basic(kDate);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, 1440938160000);
  EXPECT_EQ(FormatIso8601Basic(*t), kDate);
  char http[29];
  FormatHttpDate(*t, http);
  EXPECT_EQ(std::string_view(http, 29), "Sun, 30 Aug 2015 12:36:00 GMT");
  EXPECT_EQ(ParseHttpDate("Sun, 30 Aug 2015 12:36:00 GMT"), t);
  EXPECT_FALSE(ParseIso8601Basic("20150830T123600").has_value());
  EXPECT_FALSE(ParseIso8601Basic("2015083XT123600Z").has_value());
  EXPECT_FALSE(ParseIso8601Basic("20151330T123600Z").has_value());
  EXPECT_FALSE(ParseHttpDate("Sun, 30 Foo 2015 12:36:00 GMT").has_value());
  EXPECT_EQ(FormatIso8601Basic(0), "19700101T000000Z");
}

TEST(TimeFormatTest, Iso8601Millis) {
  EXPECT_EQ(FormatIso8601Millis(1440938160123), "2015-08-30T12:36:00.123Z");
  EXPECT_EQ(FormatIso8601Millis(0), "1970-01-01T00:00:00.000Z");
  // Before the epoch the fields round down: -1 ms is the last millisecond of 1969.
  EXPECT_EQ(FormatIso8601Millis(-1), "1969-12-31T23:59:59.999Z");
  char buf[kIso8601MillisSize];
  FormatIso8601Millis(951782400007, buf);  // a leap day
  EXPECT_EQ(std::string_view(buf, sizeof buf), "2000-02-29T00:00:00.007Z");
}

TEST(TimeFormatTest, RangeEnds) {
  EXPECT_EQ(FormatIso8601Millis(kMinFormattableMillis), "0000-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIso8601Millis(kMaxFormattableMillis), "9999-12-31T23:59:59.999Z");
}

TEST(TimeFormatTest, JavaDate) {
  EXPECT_EQ(FormatJavaDate(1440938160999), "Sun Aug 30 12:36:00 UTC 2015");
  EXPECT_EQ(FormatJavaDate(0), "Thu Jan 01 00:00:00 UTC 1970");
}

// The formatters agree with the C library's UTC breakdown over a spread of instants.
TEST(TimeFormatTest, MatchesGmtime) {
  for (int64_t ms = -86'400'000LL * 800; ms < 253'402'300'799'000LL; ms += 86'400'000LL * 37 + 3'723'517) {
    const int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    std::time_t t = static_cast<std::time_t>(secs);
    std::tm tm{};
    ASSERT_NE(gmtime_r(&t, &tm), nullptr);
    char want[64];
    std::snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms - secs * 1000));
    EXPECT_EQ(FormatIso8601Millis(ms), want);
    std::strftime(want, sizeof want, "%a %b %d %H:%M:%S UTC %Y", &tm);
    EXPECT_EQ(FormatJavaDate(ms), want);
    std::strftime(want, sizeof want, "%Y%m%dT%H%M%SZ", &tm);
    EXPECT_EQ(FormatIso8601Basic(ms), want);
    std::strftime(want, sizeof want, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    char http[kHttpDateSize];
    FormatHttpDate(ms, http);
    EXPECT_EQ(std::string_view(http, sizeof http), want);
    EXPECT_EQ(ParseHttpDate(want), secs * 1000);
  }
}

TEST(TimeFormatTest, ParsesExtendedIso8601) {
  EXPECT_EQ(ParseIso8601("2026-01-01T00:00:00Z"), 1767225600000);
  EXPECT_EQ(ParseIso8601("2026-01-01T00:00:00.250Z"), 1767225600250);
  EXPECT_EQ(ParseIso8601("2026-01-01T01:30:00.500000Z"), 1767231000500);
  EXPECT_EQ(ParseIso8601("2026-01-01T02:00:00+02:00"), 1767225600000);
  EXPECT_EQ(ParseIso8601("2026-01-01T00:00:00-0130"), 1767231000000);
  EXPECT_EQ(ParseIso8601("2026-01-01T00:00"), 1767225600000);
  EXPECT_EQ(ParseIso8601("2026-13-01T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseIso8601("2026-01-01T00:00:00."), std::nullopt);
  EXPECT_EQ(ParseIso8601("2026-01-01T00:00:00Zx"), std::nullopt);
  EXPECT_EQ(ParseIso8601("yesterday"), std::nullopt);
}

}  // namespace
}  // namespace sluice
