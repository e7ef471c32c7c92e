// RequestProcessor::Prepare for CloudWatch requests: which wire each is, the RPC v2 header rules,
// SigV4 scoped to `monitoring`, and transport errors encoded in the CloudWatch wire.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/clock.h"
#include "server/http/request_processor.h"

namespace sluice::server::http {
namespace {

constexpr std::string_view kDate = "20150830T123600Z";

class CloudWatchRoutingTest : public ::testing::Test {
 protected:
  // Prepares a POST with the given path and headers (an Authorization for `service` is added).
  bool Prepare(std::string_view path, std::vector<protocol::sigv4::Header> headers,
               std::string_view service = "monitoring") {
    auth_ = "AWS4-HMAC-SHA256 Credential=AKID/20150830/eu-west-1/" + std::string(service) +
            "/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc";
    headers_ = std::move(headers);
    headers_.push_back({"authorization", auth_});
    headers_.push_back({"x-amz-date", kDate});
    IncomingRequest req;
    req.method = "POST";
    req.path = path;
    req.headers = headers_;
    req.body = "{}";
    const bool ready = processor_.Prepare(req, &ex_);
    RequestProcessor::Finish(&ex_);
    return ready;
  }
  std::string Header(std::string_view name) const {
    for (const auto& [n, v] : ex_.response.headers) {
      if (n == name) return v;
    }
    return "<none>";
  }

  ManualClock clock_{1440938160000};
  HttpServerOptions options_;
  RequestProcessor processor_{options_, &clock_};
  std::vector<protocol::sigv4::Header> headers_;
  std::string auth_;
  Exchange ex_;
};

TEST_F(CloudWatchRoutingTest, JsonTarget) {
  ASSERT_TRUE(Prepare("/", {{"content-type", "application/x-amz-json-1.0"},
                            {"x-amz-target", "GraniteServiceVersion20100801.ListMetrics"},
                            {"content-encoding", "gzip"}}));
  EXPECT_EQ(ex_.request.service, api::Service::kCloudWatch);
  EXPECT_EQ(ex_.request.wire, api::Wire::kAwsJson);
  EXPECT_EQ(ex_.request.operation, "ListMetrics");
  EXPECT_EQ(ex_.request.content_encoding, "gzip");
  EXPECT_EQ(ex_.request.caller.region, "eu-west-1");
}

TEST_F(CloudWatchRoutingTest, RpcV2CborPath) {
  ASSERT_TRUE(Prepare("/prefix/service/GraniteServiceVersion20100801/operation/GetMetricData",
                      {{"content-type", "application/cbor"}, {"smithy-protocol", "rpc-v2-cbor"}}));
  EXPECT_EQ(ex_.request.wire, api::Wire::kRpcV2Cbor);
  EXPECT_EQ(ex_.request.operation, "GetMetricData");
  // Without Smithy-Protocol, or with a target header: refused, in CBOR with Smithy-Protocol.
  EXPECT_FALSE(Prepare("/service/GraniteServiceVersion20100801/operation/GetMetricData",
                       {{"content-type", "application/cbor"}}));
  EXPECT_EQ(ex_.head.status, 400);
  EXPECT_EQ(ex_.head.content_type, "application/cbor");
  EXPECT_EQ(Header("Smithy-Protocol"), "rpc-v2-cbor");
  EXPECT_FALSE(Prepare("/service/GraniteServiceVersion20100801/operation/GetMetricData",
                       {{"content-type", "application/cbor"},
                        {"smithy-protocol", "rpc-v2-cbor"},
                        {"x-amzn-target", "GraniteServiceVersion20100801.GetMetricData"}}));
  EXPECT_EQ(ex_.head.status, 400);
  ASSERT_NE(ex_.head.extra_headers, nullptr);
}

TEST_F(CloudWatchRoutingTest, QueryForm) {
  ASSERT_TRUE(Prepare("/", {{"content-type", "application/x-www-form-urlencoded; charset=utf-8"}}));
  EXPECT_EQ(ex_.request.wire, api::Wire::kAwsQuery);
  EXPECT_TRUE(ex_.request.operation.empty());  // the dispatcher reads Action
}

TEST_F(CloudWatchRoutingTest, SigningServiceIsChecked) {
  EXPECT_FALSE(Prepare("/", {{"content-type", "application/x-www-form-urlencoded"}}, "kinesis"));
  EXPECT_EQ(ex_.head.status, 400);
  EXPECT_EQ(ex_.head.content_type, "text/xml");
  EXPECT_NE(ex_.response.body.find("<Code>InvalidSignature</Code>"), std::string::npos) << ex_.response.body;
  EXPECT_NE(ex_.response.body.find("&apos;monitoring&apos;"), std::string::npos);
  // And Kinesis requests still want `kinesis`.
  EXPECT_FALSE(
      Prepare("/", {{"content-type", "application/x-amz-json-1.1"}, {"x-amz-target", "Kinesis_20131202.ListStreams"}},
              "monitoring"));
  EXPECT_EQ(ex_.request.service, api::Service::kKinesis);
  EXPECT_NE(ex_.response.body.find("'kinesis'"), std::string::npos);
  ASSERT_TRUE(
      Prepare("/", {{"content-type", "application/x-amz-json-1.1"}, {"x-amz-target", "Kinesis_20131202.ListStreams"}},
              "kinesis"));
  EXPECT_EQ(ex_.request.wire, api::Wire::kAwsJson);
  EXPECT_EQ(ex_.head.extra_headers, nullptr);
}

}  // namespace
}  // namespace sluice::server::http
