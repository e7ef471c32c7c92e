#include "base/json_escape.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace sluice {
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
      case '\n':
      case '\r':
      case '\t':
      case '\b':
      case '\f': break;
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

// The byte-at-a-time implementation that the scanning one replaced; the output must not change.
std::string OldJson(std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      default:
        if (c < 0x20) {
          out.append("\\u00");
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
  return out;
}

TEST(AppendJsonStringTest, MatchesByteAtATimeOnRandomStrings) {
  std::mt19937_64 rng(7);
  // Mostly clean text with occasional specials, so that both long clean runs and every position
  // of a special within the 16- and 8-byte scan windows occur.
  const std::string specials = std::string("\"\\\n\r\t\b\f\x01\x1f\x7f\x80\xc3\xa9\xff\x20", 15) + std::string(1, '\0');
  for (int i = 0; i < 20000; ++i) {
    size_t len = rng() % (i < 10000 ? 40 : 300);
    int density = 1 + static_cast<int>(rng() % 40);  // one special per ~density bytes
    std::string s(len, 'x');
    for (auto& c : s) {
      switch (rng() % 3) {
        case 0: c = static_cast<char>(0x20 + rng() % 0x5f); break;  // printable ASCII
        case 1: c = static_cast<char>(0x80 + rng() % 0x80); break;  // UTF-8 / high bytes
        default: c = 'a' + static_cast<char>(rng() % 26);
      }
      if (static_cast<int>(rng() % density) == 0) c = specials[rng() % specials.size()];
    }
    ASSERT_EQ(Json(s), OldJson(s)) << "case " << i;
  }
  // Fully random bytes, and every byte value alone and at every offset of a 40-byte string.
  for (int i = 0; i < 2000; ++i) {
    std::string s(rng() % 100, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    ASSERT_EQ(Json(s), OldJson(s));
  }
  for (int b = 0; b < 256; ++b) {
    for (size_t pos = 0; pos < 40; ++pos) {
      std::string s(40, 'k');
      s[pos] = static_cast<char>(b);
      ASSERT_EQ(Json(s), OldJson(s)) << "byte " << b << " at " << pos;
      ASSERT_EQ(Json(s.substr(0, pos + 1)), OldJson(s.substr(0, pos + 1))) << "byte " << b << " at " << pos;
    }
  }
}

TEST(AppendJsonStringTest, HighBytesPassThroughUnchanged) {
  std::string s;
  for (int b = 0x80; b < 0x100; ++b) s.push_back(static_cast<char>(b));
  EXPECT_EQ(Json(s), "\"" + s + "\"");
  EXPECT_EQ(Json(std::string(1000, '\xe2')), "\"" + std::string(1000, '\xe2') + "\"");
}

}  // namespace
}  // namespace sluice
