#include "base/log.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::log {
namespace {

std::string Json(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

TEST(AppendJsonStringTest, PlainTextIsQuoted) {
  EXPECT_EQ(Json(""), "\"\"");
  EXPECT_EQ(Json("hello world"), "\"hello world\"");
  EXPECT_EQ(Json("a/b"), "\"a/b\"");  // '/' need not be escaped
}

TEST(AppendJsonStringTest, AppendsToExistingContent) {
  std::string out = "{\"k\":";
  AppendJsonString(&out, "v");
  EXPECT_EQ(out, "{\"k\":\"v\"");
}

TEST(AppendJsonStringTest, EscapesQuoteAndBackslash) {
  EXPECT_EQ(Json("say \"hi\""), "\"say \\\"hi\\\"\"");
  EXPECT_EQ(Json("C:\\dir"), "\"C:\\\\dir\"");
  EXPECT_EQ(Json("\\\""), "\"\\\\\\\"\"");
}

TEST(AppendJsonStringTest, ShortEscapes) {
  EXPECT_EQ(Json("\n"), "\"\\n\"");
  EXPECT_EQ(Json("\r"), "\"\\r\"");
  EXPECT_EQ(Json("\t"), "\"\\t\"");
  EXPECT_EQ(Json("\b"), "\"\\b\"");
  EXPECT_EQ(Json("\f"), "\"\\f\"");
}

TEST(AppendJsonStringTest, EveryControlCharacterIsEscaped) {
  for (int c = 0; c < 0x20; ++c) {
    std::string in(1, static_cast<char>(c));
    std::string out = Json(in);
    ASSERT_GE(out.size(), 4u);
    EXPECT_EQ(out[1], '\\') << "control char " << c;
    for (char o : out) EXPECT_GE(static_cast<unsigned char>(o), 0x20) << "raw control char in output for " << c;
    switch (c) {
      case '\n': case '\r': case '\t': case '\b': case '\f': break;
      default: {
        char expect[16];
        std::snprintf(expect, sizeof expect, "\"\\u%04x\"", c);
        EXPECT_EQ(out, expect) << "control char " << c;
      }
    }
  }
  EXPECT_EQ(Json(std::string("a\0b", 3)), "\"a\\u0000b\"");
  EXPECT_EQ(Json("\x1f"), "\"\\u001f\"");
  EXPECT_EQ(Json("\x0b"), "\"\\u000b\"");
}

TEST(AppendJsonStringTest, PrintableAsciiAndUtf8PassThrough) {
  for (int c = 0x20; c < 0x7f; ++c) {
    if (c == '"' || c == '\\') continue;
    std::string in(1, static_cast<char>(c));
    EXPECT_EQ(Json(in), "\"" + in + "\"");
  }
  EXPECT_EQ(Json("\x7f"), "\"\x7f\"");
  EXPECT_EQ(Json("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80"), "\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\"");
}

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

}  // namespace
}  // namespace sluice::log
