#include "protocol/sigv4.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/sigv4_test_vector.h"

namespace sluice::protocol::sigv4 {
namespace {

using crypto::Sha256Hex;
using crypto::ToHex;
using crypto::View;

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
