#include "protocol/validation.h"

// libstdc++'s <regex> trips GCC's -Wmaybe-uninitialized at -O2 (a known false positive).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <regex>
#include <string>

namespace sluice::protocol {
namespace {

using ::testing::HasSubstr;

// "prefix" + number without operator+(const char*, std::string&&), which trips GCC 12's
// -Wrestrict false positive (PR105329).
std::string Num(std::string_view prefix, long long n) {
  std::string s(prefix);
  s.append(std::to_string(n));
  return s;
}

// The model's patterns as ECMAScript regexes: an independent oracle for the hand-written
// matchers. For ASCII input without line terminators the two dialects agree with Java's.
const std::regex& StreamArnRe() {
  static const std::regex re("arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+");
  return re;
}
const std::regex& ResourceArnRe() {
  static const std::regex re("arn:aws.*:kinesis:.*:\\d{12}:.*stream/\\S+");
  return re;
}

// ---------------------------------------------------------------------------------------------
// Pattern matchers

TEST(MatchesNameTest, Basics) {
  EXPECT_TRUE(MatchesName("a"));
  EXPECT_TRUE(MatchesName("AZaz09_.-"));
  EXPECT_TRUE(MatchesName("..."));
  EXPECT_FALSE(MatchesName(""));
  for (char c : std::string(" !\"#$%&'()*+,/:;<=>?@[\\]^`{|}~\t\n")) {
    EXPECT_FALSE(MatchesName(std::string("ab") + c + "cd")) << int(c);
    EXPECT_FALSE(MatchesName(std::string(1, c))) << int(c);
  }
  EXPECT_FALSE(MatchesName("caf\xc3\xa9"));
  EXPECT_FALSE(MatchesName(std::string("a\0b", 3)));
}

TEST(MatchesStreamArnTest, AcceptsValidArns) {
  for (const char* arn : {
           "arn:aws:kinesis:us-east-1:123456789012:stream/s",
           "arn:aws:kinesis:us-east-1:123456789012:stream/my-stream_1.x",
           "arn:aws-cn:kinesis:cn-north-1:123456789012:stream/s",
           "arn:aws-us-gov:kinesis:us-gov-west-1:123456789012:stream/s",
           "arn:aws-iso-b:kinesis:x:000000000000:stream/s",
           "arn:aws:kinesis::123456789012:stream/s",                                 // empty region matches .*
           "arn:aws:kinesis:a:b:c:123456789012:stream/s",                            // .* may contain colons
           "arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c:1700000000",  // \S+ takes the rest
           "arn:aws:kinesis:us-east-1:123456789012:stream/a:b/c",
           "arn:awsfoo:kinesis:r:123456789012:stream/x",
       }) {
    EXPECT_TRUE(MatchesStreamArn(arn)) << arn;
    EXPECT_TRUE(MatchesResourceArn(arn)) << arn;
    EXPECT_TRUE(std::regex_match(arn, StreamArnRe())) << "oracle disagrees on " << arn;
  }
}

TEST(MatchesStreamArnTest, RejectsInvalidArns) {
  for (const char* arn : {
           "",
           "arn",
           "arn:aws",
           "arn:aws:kinesis:us-east-1:12345678901:stream/s",    // 11 digits
           "arn:aws:kinesis:us-east-1:1234567890123:stream/s",  // 13 digits
           "arn:aws:kinesis:us-east-1:12345678901a:stream/s",
           "arn:aws:kinesis:us-east-1:123456789012:stream/",     // empty name
           "arn:aws:kinesis:us-east-1:123456789012:stream/a b",  // whitespace in name
           "arn:aws:kinesis:us-east-1:123456789012:stream/a\tb",
           "arn:aws:kinesis:us-east-1:123456789012:stream/ab ",
           "arn:aws:kinesis:us-east-1:123456789012:stream/ ",
           "arn:aws:kinesis:us-east-1:123456789012:stream/a\nb",
           "arn:aws:kinesis:us-east-1:123456789012:streams/s",
           "arn:aws:kinesis:us-east-1:123456789012:Stream/s",
           "arn:aws:kinesis:us-east-1:123456789012:stream",
           "arn:aws:kinesis:us-east-1:123456789012:/stream/s",
           "arn:aws:firehose:us-east-1:123456789012:stream/s",
           "arn:aws:kinesisx:us-east-1:123456789012:stream/s",
           "arn:azure:kinesis:us-east-1:123456789012:stream/s",
           "ARN:aws:kinesis:us-east-1:123456789012:stream/s",
           "xarn:aws:kinesis:us-east-1:123456789012:stream/s",
           " arn:aws:kinesis:us-east-1:123456789012:stream/s",
           "arn:aws:kinesis:us-east-1:123456789012stream/s",
           "arn:aws:kinesis:us-east-1123456789012:stream/s",
           "arn:aws:kinesis:123456789012:stream/s",                     // the colon after kinesis cannot be reused
           "arn:aws:kinesis:us-east-1:123456789012:consumer/stream/s",  // stream/ not right after account
       }) {
    EXPECT_FALSE(MatchesStreamArn(arn)) << arn;
    EXPECT_FALSE(std::regex_match(arn, StreamArnRe())) << "oracle disagrees on " << arn;
  }
}

TEST(MatchesResourceArnTest, StreamAndConsumerArns) {
  const char* consumer = "arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c:1700000000";
  EXPECT_TRUE(MatchesResourceArn(consumer));
  EXPECT_TRUE(MatchesResourceArn("arn:aws:kinesis:us-east-1:123456789012:stream/s"));
  // The resource pattern allows text between the account and "stream/"; the stream pattern
  // does not.
  const char* infix = "arn:aws:kinesis:us-east-1:123456789012:xyzstream/s";
  EXPECT_TRUE(MatchesResourceArn(infix));
  EXPECT_FALSE(MatchesStreamArn(infix));
  const char* infix2 = "arn:aws:kinesis:us-east-1:123456789012:foo/stream/s";
  EXPECT_TRUE(MatchesResourceArn(infix2));
  EXPECT_FALSE(MatchesStreamArn(infix2));
  EXPECT_FALSE(MatchesResourceArn("arn:aws:kinesis:us-east-1:12345678901:stream/s"));
  EXPECT_FALSE(MatchesResourceArn("arn:aws:kinesis:us-east-1:123456789012:stream/"));
  EXPECT_FALSE(MatchesResourceArn("arn:aws:kinesis:us-east-1:123456789012:stream/a b"));
  EXPECT_FALSE(MatchesResourceArn("arn:aws:kinesis:us-east-1:123456789012:channel/c"));
}

// Random mutations of valid ARNs, compared with the regex oracle.
TEST(ArnMatchersTest, AgreeWithRegexOracle) {
  const std::string seeds[] = {
      "arn:aws:kinesis:us-east-1:123456789012:stream/s",
      "arn:aws-cn:kinesis:cn-north-1:000000000000:stream/a.b-c_d",
      "arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c:1700000000",
      "arn:aws:kinesis:r:123456789012:x:123456789012:stream/s",
  };
  const std::string pieces[] = {":",
                                "/",
                                " ",
                                "\t",
                                "0",
                                "1",
                                "9",
                                "a",
                                "stream/",
                                "kinesis",
                                ":kinesis:",
                                "123456789012",
                                ":123456789012:",
                                "aws",
                                "arn:",
                                "s",
                                "-",
                                "\x0b",
                                "\f"};
  std::mt19937_64 rng(2026);
  int disagreements = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    std::string s = seeds[rng() % std::size(seeds)];
    int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      size_t pos = s.empty() ? 0 : rng() % (s.size() + 1);
      switch (rng() % 3) {
        case 0: s.insert(pos, pieces[rng() % std::size(pieces)]); break;
        case 1:
          if (pos < s.size()) s.erase(pos, 1 + rng() % 3);
          break;
        default:
          if (pos < s.size()) s[pos] = pieces[rng() % std::size(pieces)][0];
      }
    }
    bool want_stream = std::regex_match(s, StreamArnRe());
    bool want_resource = std::regex_match(s, ResourceArnRe());
    if (MatchesStreamArn(s) != want_stream || MatchesResourceArn(s) != want_resource) {
      ++disagreements;
      ADD_FAILURE() << "'" << s << "' stream=" << MatchesStreamArn(s) << " (regex " << want_stream
                    << ") resource=" << MatchesResourceArn(s) << " (regex " << want_resource << ")";
      if (disagreements > 10) break;
    }
  }
}

TEST(ArnMatchersTest, DotDoesNotMatchLineTerminators) {
  // In the service's (Java) regex dialect '.' does not match '\n' or '\r', so a line break in
  // the region or partition cannot be part of a valid ARN.
  for (const char* arn :
       {"arn:aws:kinesis:us-east-1\n:123456789012:stream/s", "arn:aws\r:kinesis:us-east-1:123456789012:stream/s",
        "arn:aws:kinesis:us-\neast-1:123456789012:stream/s"}) {
    EXPECT_FALSE(std::regex_match(arn, StreamArnRe()));
    EXPECT_FALSE(MatchesStreamArn(arn));
    EXPECT_FALSE(MatchesResourceArn(arn));
  }
}

TEST(MatchesHashKeyTest, Basics) {
  EXPECT_TRUE(MatchesHashKey("0"));
  EXPECT_TRUE(MatchesHashKey("340282366920938463463374607431768211455"));
  EXPECT_TRUE(MatchesHashKey("999999999999999999999999999999999999999"));    // 39 digits: pattern only
  EXPECT_FALSE(MatchesHashKey("1000000000000000000000000000000000000000"));  // 40 digits
  EXPECT_FALSE(MatchesHashKey("01"));
  EXPECT_FALSE(MatchesHashKey(""));
  EXPECT_FALSE(MatchesHashKey("1 "));
}

TEST(MatchesSequenceNumberTest, Basics) {
  EXPECT_TRUE(MatchesSequenceNumber("0"));
  EXPECT_TRUE(MatchesSequenceNumber("1" + std::string(128, '9')));
  EXPECT_FALSE(MatchesSequenceNumber("1" + std::string(129, '9')));
  EXPECT_FALSE(MatchesSequenceNumber("00"));
  EXPECT_FALSE(MatchesSequenceNumber("x"));
}

TEST(Utf8LengthTest, CountsCodePoints) {
  EXPECT_EQ(Utf8Length(""), 0u);
  EXPECT_EQ(Utf8Length("abc"), 3u);
  EXPECT_EQ(Utf8Length("\xc3\xa9"), 1u);
  EXPECT_EQ(Utf8Length("\xe2\x82\xac"), 1u);
  EXPECT_EQ(Utf8Length("\xf0\x9f\x98\x80"), 1u);
  EXPECT_EQ(Utf8Length("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z"), 5u);
}

// ---------------------------------------------------------------------------------------------
// Validator message format

TEST(ValidatorTest, OkWhenNothingFailed) {
  Validator v;
  EXPECT_TRUE(v.ok());
  v.NotNull(true, "x");
  v.Length(std::string_view("abc"), 1, 3, "x");
  v.Range(5, 1, 10, "x");
  v.Range(std::nullopt, 1, 10, "x");
  v.Pattern(std::nullopt, MatchesName, kNamePattern, "x");
  v.Enum(std::string_view("A"), {"A", "B"}, "x");
  v.Enum(std::nullopt, {"A", "B"}, "x");
  v.BlobMaxLength(10, 10, "x");
  v.BlobMaxLength(std::nullopt, 10, "x");
  v.ListLength(3, 1, 3, "x", "[...]");
  v.CharLength(std::nullopt, 1, 2, "x");
  EXPECT_TRUE(v.ok());
}

TEST(ValidatorTest, SingleFailure) {
  Validator v;
  v.Pattern(std::string_view("bad name!"), MatchesName, kNamePattern, "streamName");
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.Message(),
            "1 validation error detected: Value 'bad name!' at 'streamName' failed to satisfy constraint: Member must "
            "satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
}

TEST(ValidatorTest, NullFailure) {
  Validator v;
  v.NotNull(false, "records.2.member.partitionKey");
  EXPECT_EQ(v.Message(),
            "1 validation error detected: Value null at 'records.2.member.partitionKey' failed to satisfy constraint: "
            "Member must not be null");
}

TEST(ValidatorTest, RuleTexts) {
  Validator v;
  v.MaxLength(std::string_view("abcd"), 3, "a");
  v.MinLength(std::string_view(""), 1, "b");
  v.Range(0, 1, std::nullopt, "c");
  v.Range(11, std::nullopt, 10, "d");
  v.Enum(std::string_view("C"), {"A", "B"}, "e");
  v.BlobMaxLength(1048577, 1048576, "f");
  v.ListLength(0, 1, 500, "g", "[]");
  v.ListLength(501, 1, 500, "h", "[...]");
  EXPECT_EQ(v.Message(),
            "8 validation errors detected: "
            "Value 'abcd' at 'a' failed to satisfy constraint: Member must have length less than or equal to 3; "
            "Value '' at 'b' failed to satisfy constraint: Member must have length greater than or equal to 1; "
            "Value '0' at 'c' failed to satisfy constraint: Member must have value greater than or equal to 1; "
            "Value '11' at 'd' failed to satisfy constraint: Member must have value less than or equal to 10; "
            "Value 'C' at 'e' failed to satisfy constraint: Member must satisfy enum value set: [A, B]; "
            "Value 'java.nio.HeapByteBuffer[pos=0 lim=1048577 cap=1048577]' at 'f' failed to satisfy constraint: "
            "Member must have length less than or equal to 1048576; "
            "Value '[]' at 'g' failed to satisfy constraint: Member must have length greater than or equal to 1; "
            "Value '[...]' at 'h' failed to satisfy constraint: Member must have length less than or equal to 500");
}

TEST(ValidatorTest, CharLengthCountsCharacters) {
  std::string two_byte;
  for (int i = 0; i < 3; ++i) two_byte += "\xc3\xa9";  // 3 chars, 6 bytes
  Validator ok;
  ok.CharLength(std::string_view(two_byte), 1, 3, "k");
  EXPECT_TRUE(ok.ok());
  Validator bad;
  bad.CharLength(std::string_view(two_byte), 1, 2, "k");
  EXPECT_EQ(bad.Message(),
            "1 validation error detected: Value '" + two_byte +
                "' at 'k' failed to satisfy constraint: Member must have length less than or equal to 2");
  Validator empty;
  empty.CharLength(std::string_view(""), 1, 2, "k");
  EXPECT_THAT(empty.Message(), HasSubstr("greater than or equal to 1"));
  // Byte-length checks count bytes.
  Validator bytes;
  bytes.Length(std::string_view(two_byte), 1, 3, "k");
  EXPECT_FALSE(bytes.ok());
}

TEST(ValidatorTest, ListsAtMostTenButCountsAll) {
  Validator v;
  for (int i = 1; i <= 13; ++i) v.NotNull(false, Num("p", i));
  std::string m = v.Message();
  EXPECT_EQ(m.rfind("13 validation errors detected: Value null at 'p1'", 0), 0u) << m;
  EXPECT_THAT(m, HasSubstr("'p10'"));
  EXPECT_THAT(m, ::testing::Not(HasSubstr("'p11'")));
  size_t seps = 0;
  for (size_t p = m.find("; "); p != std::string::npos; p = m.find("; ", p + 1)) ++seps;
  EXPECT_EQ(seps, 9u);
}

TEST(ValidatorTest, TwoErrorsPlural) {
  Validator v;
  v.NotNull(false, "a");
  v.NotNull(false, "b");
  EXPECT_EQ(v.Message(),
            "2 validation errors detected: Value null at 'a' failed to satisfy constraint: Member must not be null; "
            "Value null at 'b' failed to satisfy constraint: Member must not be null");
}

}  // namespace
}  // namespace sluice::protocol
