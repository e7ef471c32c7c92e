#include <gtest/gtest.h>

#include "base/clock.h"
#include "server/http/body_buffer.h"
#include "server/http/protocol_sniffer.h"
#include "server/http/response_headers.h"
#include "server/http/sigv4_verifier.h"

namespace sluice::server::http {
namespace {

TEST(SniffTest, PrefaceAndHttp1) {
  EXPECT_EQ(Sniff(""), SniffResult::kNeedMore);
  EXPECT_EQ(Sniff("PRI * HTTP/2.0\r\n"), SniffResult::kNeedMore);
  EXPECT_EQ(Sniff(kH2Preface), SniffResult::kHttp2);
  // Only the preface decides; the frame bytes after it (cut at the first NUL) do not matter.
  EXPECT_EQ(Sniff(std::string(kH2Preface) + "\x00\x00\x12\x04"),  // NOLINT(bugprone-string-literal-with-embedded-nul)
            SniffResult::kHttp2);
  EXPECT_EQ(Sniff("POST / HTTP/1.1\r\n"), SniffResult::kHttp1);
  EXPECT_EQ(Sniff("P"), SniffResult::kNeedMore);
  EXPECT_EQ(Sniff("PU"), SniffResult::kHttp1);
}

TEST(ResponseHeadTest, Http1Head) {
  ResponseHead h;
  h.Reset(1440938160000);
  h.status = 400;
  h.error_type = "ResourceNotFoundException";
  std::string out;
  AppendHttp1Head(&out, h, 42, KeepAlive::kClose);
  EXPECT_EQ(out.rfind("HTTP/1.1 400 Bad Request\r\nx-amzn-RequestId: ", 0), 0u);
  EXPECT_NE(out.find("\r\nDate: Sun, 30 Aug 2015 12:36:00 GMT\r\n"), std::string::npos);
  EXPECT_NE(out.find("\r\nContent-Type: application/x-amz-json-1.1\r\n"), std::string::npos);
  EXPECT_NE(out.find("\r\nx-amzn-ErrorType: ResourceNotFoundException\r\n"), std::string::npos);
  EXPECT_NE(out.find("\r\nContent-Length: 42\r\nConnection: close\r\n\r\n"), std::string::npos);
  ResponseHead other;
  other.Reset(0);
  EXPECT_NE(h.RequestId(), other.RequestId());
}

TEST(BodyBufferTest, KeepsPaddingAndContents) {
  BodyBuffer b;
  b.SetSize(10);
  std::memcpy(b.data(), "0123456789", 10);
  b.Seal();
  EXPECT_GE(b.capacity(), 10 + api::kBodyPadding);
  b.Append("abc", 3);
  b.Seal();
  EXPECT_EQ(b.view(), "0123456789abc");
  for (size_t i = 0; i < api::kBodyPadding; ++i) EXPECT_EQ(b.view().data()[13 + i], 0);
  size_t cap = b.capacity();
  b.Clear();
  b.SetSize(5);
  EXPECT_EQ(b.capacity(), cap);  // reused
}

}  // namespace
}  // namespace sluice::server::http

namespace sluice::server::http {
namespace {

class VerifierTest : public ::testing::Test {
 protected:
  bool Run(std::vector<protocol::sigv4::Header> headers, std::string_view query = {},
           AuthMode mode = AuthMode::kStructural) {
    headers_ = std::move(headers);
    IncomingRequest req;
    req.method = "POST";
    req.path = "/";
    req.query = query;
    req.headers = headers_;
    req.body = "{}";
    Sigv4Verifier v(mode, {{"AKIDEXAMPLE", "secret"}}, "000000000000", &clock_);
    failure_ = {};
    caller_ = {};
    return v.Verify(req, &caller_, &failure_);
  }
  static std::string Auth(std::string_view credential, std::string_view signed_headers = "host;x-amz-date") {
    return "AWS4-HMAC-SHA256 Credential=" + std::string(credential) + ", SignedHeaders=" + std::string(signed_headers) +
           ", Signature=abc";
  }
  ManualClock clock_{1440938160000};
  std::vector<protocol::sigv4::Header> headers_;
  std::string auth_;
  AuthFailure failure_;
  api::CallerIdentity caller_;
};

TEST_F(VerifierTest, StructuralAcceptsAnyKeyAndFillsCaller) {
  auth_ = Auth("123456789012/20150830/ap-south-1/kinesis/aws4_request");
  ASSERT_TRUE(Run({{"Authorization", auth_}, {"X-Amz-Date", "20150830T123600Z"}})) << failure_.message;
  EXPECT_EQ(caller_.account_id, "123456789012");
  EXPECT_EQ(caller_.region, "ap-south-1");
  // RFC 1123 Date instead of X-Amz-Date.
  auth_ = Auth("AKID/20150830/us-east-1/kinesis/aws4_request", "date;host");
  ASSERT_TRUE(Run({{"authorization", auth_}, {"date", "Sun, 30 Aug 2015 12:36:00 GMT"}})) << failure_.message;
  EXPECT_EQ(caller_.account_id, "000000000000");
}

TEST_F(VerifierTest, ScopeChecks) {
  auth_ = Auth("AKID/20150831/us-east-1/kinesis/aws4_request");
  EXPECT_FALSE(Run({{"authorization", auth_}, {"x-amz-date", "20150830T123600Z"}}));
  EXPECT_EQ(failure_.type, protocol::AwsErrorType::kInvalidSignature);
  EXPECT_EQ(failure_.message,
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            "'20150831' != '20150830', from '20150830T123600Z'.");
  auth_ = Auth("AKID/20150830/us-east-1/dynamodb/aws4_request");
  EXPECT_FALSE(Run({{"authorization", auth_}, {"x-amz-date", "20150830T123600Z"}}));
  EXPECT_EQ(failure_.message, "Credential should be scoped to correct service: 'kinesis'. ");
  auth_ = Auth("AKID/20150830/us-east-1/kinesis/aws4_request", "x-amz-date");
  EXPECT_FALSE(Run({{"authorization", auth_}, {"x-amz-date", "20150830T123600Z"}}));
  EXPECT_EQ(failure_.type, protocol::AwsErrorType::kInvalidSignature);
  auth_ = Auth("AKID/20150830/us-east-1/kinesis/aws4_request");
  EXPECT_FALSE(Run({{"authorization", auth_}, {"x-amz-date", "2015-08-30T12:36:00Z"}}));
  EXPECT_EQ(failure_.type, protocol::AwsErrorType::kIncompleteSignature);
  auth_ = "AWS4-HMAC-SHA1 Credential=A/20150830/r/kinesis/aws4_request, SignedHeaders=host, Signature=a";
  EXPECT_FALSE(Run({{"authorization", auth_}, {"x-amz-date", "20150830T123600Z"}}));
  EXPECT_EQ(failure_.type, protocol::AwsErrorType::kIncompleteSignature);
}

TEST_F(VerifierTest, QueryAuthentication) {
  EXPECT_FALSE(Run({}, "X-Amz-Algorithm=AWS4-HMAC-SHA256"));
  EXPECT_EQ(failure_.type, protocol::AwsErrorType::kIncompleteSignature);
  EXPECT_EQ(failure_.message,
            "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must "
            "include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS "
            "query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters.");
  std::string full =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20150830%2Fus-east-1%2Fkinesis%2Faws4_request"
      "&X-Amz-Signature=ab&X-Amz-SignedHeaders=host&X-Amz-Date=20150830T123600Z";
  EXPECT_TRUE(Run({}, full));
  EXPECT_EQ(caller_.access_key_id, "AKID");
  EXPECT_FALSE(Run({}, full, AuthMode::kVerify));
  auth_ = Auth("AKID/20150830/us-east-1/kinesis/aws4_request");
  EXPECT_FALSE(Run({{"authorization", auth_}}, full));
  EXPECT_EQ(failure_.message,
            "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.");
}

}  // namespace
}  // namespace sluice::server::http
