#include "protocol/sigv4.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice::protocol::sigv4 {
namespace {

// Reference test vector (docs: kinesis-protocol.md 1.7, cross-checked with botocore).
constexpr std::string_view kAkid = "AKIDEXAMPLE";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kDate = "20150830T123600Z";
constexpr std::string_view kHost = "127.0.0.1:4567";
constexpr std::string_view kBodyHash = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
constexpr std::string_view kCanonicalHash = "fc05624b878260653f78360e53c6080c75302824f6fdbd5643dbfa4a1f8f5ee8";
constexpr std::string_view kSigningKey = "1a8ef0fa45f4fb9b8ca6c755f0b81c00b521d0e7b9564a363d2511b8f4d4bc54";
constexpr std::string_view kSignature = "62612d5f6ea0d1a861a0e7ede240a2a4dc4b9540b53bb83c8368f278800a3a3b";

std::vector<Header> VectorHeaders() {
  return {{"Content-Type", "application/x-amz-json-1.1"},
          {"Host", kHost},
          {"X-Amz-Date", kDate},
          {"X-Amz-Target", "Kinesis_20131202.ListStreams"}};
}

TEST(Sigv4Test, BodyHash) { EXPECT_EQ(View(Sha256Hex("{}")), kBodyHash); }

TEST(Sigv4Test, CanonicalRequestHash) {
  auto headers = VectorHeaders();
  std::string canonical;
  ASSERT_TRUE(AppendCanonicalRequest(&canonical, "POST", "/", "", headers, "content-type;host;x-amz-date;x-amz-target",
                                     kBodyHash));
  EXPECT_EQ(View(Sha256Hex(canonical)), kCanonicalHash);
  EXPECT_EQ(canonical,
            "POST\n/\n\ncontent-type:application/x-amz-json-1.1\nhost:127.0.0.1:4567\n"
            "x-amz-date:20150830T123600Z\nx-amz-target:Kinesis_20131202.ListStreams\n\n"
            "content-type;host;x-amz-date;x-amz-target\n" +
                std::string(kBodyHash));
}

TEST(Sigv4Test, SigningKey) {
  EXPECT_EQ(View(ToHex(DeriveSigningKey(kSecret, "20150830", "us-east-1", "kinesis"))), kSigningKey);
  SigningKeyCache cache;
  EXPECT_EQ(View(ToHex(cache.Get(kSecret, "20150830", "us-east-1", "kinesis"))), kSigningKey);
  // Another scope does not disturb the cached one.
  EXPECT_NE(View(ToHex(cache.Get(kSecret, "20150831", "us-east-1", "kinesis"))), kSigningKey);
  EXPECT_EQ(View(ToHex(cache.Get(kSecret, "20150830", "us-east-1", "kinesis"))), kSigningKey);
}

TEST(Sigv4Test, Signature) {
  auto headers = VectorHeaders();
  std::string canonical, sts;
  ASSERT_TRUE(AppendCanonicalRequest(&canonical, "POST", "/", "", headers, "content-type;host;x-amz-date;x-amz-target",
                                     kBodyHash));
  AppendStringToSign(&sts, kDate, "20150830/us-east-1/kinesis/aws4_request", canonical);
  auto key = DeriveSigningKey(kSecret, "20150830", "us-east-1", "kinesis");
  EXPECT_EQ(View(ComputeSignature(key, sts)), kSignature);
}

TEST(Sigv4Test, SignRequestProducesReferenceAuthorization) {
  std::vector<Header> extra = {{"Content-Type", "application/x-amz-json-1.1"},
                               {"X-Amz-Target", "Kinesis_20131202.ListStreams"}};
  SignInput in;
  in.host = kHost;
  in.headers = extra;
  in.body = "{}";
  in.access_key_id = kAkid;
  in.secret_access_key = kSecret;
  in.region = "us-east-1";
  in.amz_date = kDate;
  std::string expected =
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kinesis/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" +
      std::string(kSignature);
  EXPECT_EQ(SignRequest(in), expected);
  Signer signer;
  EXPECT_EQ(signer.Sign(in), expected);
  EXPECT_EQ(signer.Sign(in), expected);  // reuse
  in.payload_hash = kBodyHash;
  EXPECT_EQ(signer.Sign(in), expected);
}

TEST(Sigv4Test, CanonicalHeaderWhitespaceAndRepeats) {
  std::vector<Header> h = {{"X-A", "  a   b\t c  "}, {"x-a", "d"}, {"host", "h"}};
  std::string out;
  ASSERT_TRUE(AppendCanonicalRequest(&out, "POST", "/", "", h, "host;x-a", "p"));
  EXPECT_EQ(out, "POST\n/\n\nhost:h\nx-a:a b c,d\n\nhost;x-a\np");
  out.clear();
  EXPECT_FALSE(AppendCanonicalRequest(&out, "POST", "/", "", h, "host;x-missing", "p"));
}

TEST(Sigv4Test, CanonicalUriAndQuery) {
  std::string out;
  AppendCanonicalUri(&out, "/a b/%41");
  EXPECT_EQ(out, "/a%20b/%2541");
  out.clear();
  AppendCanonicalQuery(&out, "b=2&a=z&a=y&c");
  EXPECT_EQ(out, "a=y&a=z&b=2&c=");
  out.clear();
  AppendCanonicalQuery(&out, "x=%2F%20");
  EXPECT_EQ(out, "x=%2F%20");
}

TEST(Sigv4Test, Dates) {
  auto t = ParseAmzDate(kDate);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, 1440938160000);
  EXPECT_EQ(FormatAmzDate(*t), kDate);
  char http[29];
  FormatHttpDate(*t, http);
  EXPECT_EQ(std::string_view(http, 29), "Sun, 30 Aug 2015 12:36:00 GMT");
  EXPECT_EQ(ParseHttpDate("Sun, 30 Aug 2015 12:36:00 GMT"), t);
  EXPECT_FALSE(ParseAmzDate("20150830T123600").has_value());
  EXPECT_FALSE(ParseAmzDate("2015083XT123600Z").has_value());
  EXPECT_FALSE(ParseAmzDate("20151330T123600Z").has_value());
  EXPECT_FALSE(ParseHttpDate("Sun, 30 Foo 2015 12:36:00 GMT").has_value());
  EXPECT_EQ(FormatAmzDate(0), "19700101T000000Z");
}

TEST(Sigv4Test, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
}

TEST(Sigv4Test, ParseAuthorizationGood) {
  auto r = ParseAuthorization(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kinesis/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date, Signature=abcdef");
  ASSERT_EQ(r.error, AuthParseError::kOk) << r.message;
  EXPECT_EQ(r.parts.algorithm, "AWS4-HMAC-SHA256");
  EXPECT_EQ(r.parts.access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(r.parts.date8, "20150830");
  EXPECT_EQ(r.parts.region, "us-east-1");
  EXPECT_EQ(r.parts.service, "kinesis");
  EXPECT_EQ(r.parts.terminator, "aws4_request");
  EXPECT_EQ(r.parts.signed_headers, "content-type;host;x-amz-date");
  EXPECT_EQ(r.parts.signature, "abcdef");
  // No spaces, other order.
  r = ParseAuthorization(
      "AWS4-HMAC-SHA256 Signature=ab,SignedHeaders=host,Credential=A/20150830/r/kinesis/aws4_request");
  ASSERT_EQ(r.error, AuthParseError::kOk) << r.message;
  EXPECT_EQ(r.parts.access_key_id, "A");
}

TEST(Sigv4Test, ParseAuthorizationMissingParts) {
  auto r = ParseAuthorization("AWS4-HMAC-SHA256 Credential=A/20150830/r/kinesis/aws4_request");
  EXPECT_EQ(r.error, AuthParseError::kMissingParts);
  EXPECT_FALSE(r.missing_credential);
  EXPECT_TRUE(r.missing_signature);
  EXPECT_TRUE(r.missing_signed_headers);
  r = ParseAuthorization("");
  EXPECT_EQ(r.error, AuthParseError::kMissingParts);
  EXPECT_TRUE(r.missing_credential && r.missing_signature && r.missing_signed_headers);
  r = ParseAuthorization("AWS4-HMAC-SHA256 Credential=, SignedHeaders=host, Signature=x");
  EXPECT_EQ(r.error, AuthParseError::kMissingParts);
  EXPECT_TRUE(r.missing_credential);
}

TEST(Sigv4Test, ParseAuthorizationMalformed) {
  EXPECT_EQ(ParseAuthorization("AWS4-HMAC-SHA1 Credential=A/20150830/r/kinesis/aws4_request, "
                               "SignedHeaders=host, Signature=x")
                .error,
            AuthParseError::kBadAlgorithm);
  EXPECT_EQ(ParseAuthorization("AWS4-HMAC-SHA256 Credential=A/20150830/r/kinesis, "
                               "SignedHeaders=host, Signature=x")
                .error,
            AuthParseError::kMalformedCredential);
  EXPECT_EQ(ParseAuthorization("AWS4-HMAC-SHA256 Credential=A/20150830/r/kinesis/aws4_request/x, "
                               "SignedHeaders=host, Signature=x")
                .error,
            AuthParseError::kMalformedCredential);
  EXPECT_EQ(ParseAuthorization("AWS4-HMAC-SHA256 Credential=A/2015083/r/kinesis/aws4_request, "
                               "SignedHeaders=host, Signature=x")
                .error,
            AuthParseError::kMalformedCredential);
  EXPECT_EQ(ParseAuthorization("AWS4-HMAC-SHA256 Credential=A//r/kinesis/aws4_request, "
                               "SignedHeaders=host, Signature=x")
                .error,
            AuthParseError::kMalformedCredential);
  EXPECT_EQ(ParseAuthorization("AWS4-HMAC-SHA256 Credential=A/20150830/r/kinesis/aws4_requesT, "
                               "SignedHeaders=host, Signature=x")
                .error,
            AuthParseError::kMalformedCredential);
  EXPECT_EQ(ParseAuthorization("AWS4-HMAC-SHA256 Credential=A/20150830/r/kinesis/aws4_request, "
                               "SignedHeaders=Host;;x, Signature=x")
                .error,
            AuthParseError::kMalformedSignedHeaders);
}

}  // namespace
}  // namespace sluice::protocol::sigv4
