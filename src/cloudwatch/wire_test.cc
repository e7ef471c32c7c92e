#include <gtest/gtest.h>

#include <string>

#include "cloudwatch/shapes.h"
#include "cloudwatch/value.h"
#include "cloudwatch/wire.h"

namespace sluice::cloudwatch {
namespace {

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

std::string Hex(std::string_view bytes) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    out.push_back(d[(static_cast<uint8_t>(c) >> 4) & 0xf]);
    out.push_back(d[static_cast<uint8_t>(c) & 0xf]);
  }
  return out;
}

const ShapeDef& Input(std::string_view op) { return ShapeAt(FindOperation(op)->input); }

constexpr int64_t kJan1 = 1767225600000;  // 2026-01-01T00:00:00Z

// botocore 1.43's RpcV2CBORSerializer output for a GetMetricStatistics call.
constexpr std::string_view kGmsCbor =
    "a7694e616d657370616365634170706a4d65747269634e616d65634c61746a44696d656e73696f6e7381a2644e616d6564486f737465"
    "56616c7565616169537461727454696d65c11a6955b90067456e6454696d65c11a6955ce1866506572696f64183c6a537461746973746963"
    "73826353756d6741766572616765";

TEST(WireTest, DecodesBotocoreCborVector) {
  Value v;
  ApiError e = DecodeRequest(api::Wire::kRpcV2Cbor, Unhex(kGmsCbor), Input("GetMetricStatistics"), &v);
  ASSERT_TRUE(e.ok()) << e.message();
  EXPECT_EQ(v.Find("Namespace")->string_value(), "App");
  EXPECT_EQ(v.Find("StartTime")->kind(), Value::Kind::kTimestamp);
  EXPECT_EQ(v.Find("StartTime")->timestamp_ms(), kJan1);
  EXPECT_EQ(v.Find("EndTime")->timestamp_ms(), kJan1 + 5400000);
  EXPECT_EQ(v.Find("Period")->int_value(), 60);
  ASSERT_EQ(v.Find("Statistics")->items().size(), 2u);
  EXPECT_EQ(v.Find("Dimensions")->items()[0].Find("Value")->string_value(), "a");
}

TEST(WireTest, CborRoundTripsTheVector) {
  Value v;
  ASSERT_TRUE(DecodeRequest(api::Wire::kRpcV2Cbor, Unhex(kGmsCbor), Input("GetMetricStatistics"), &v).ok());
  std::string out;
  EncodeCbor(v, &out);
  EXPECT_EQ(Hex(out), kGmsCbor);
  EXPECT_TRUE(Hex(out).starts_with("a7694e616d657370616365"));
  EXPECT_NE(Hex(out).find("c11a6955b900"), std::string::npos);
}

TEST(WireTest, CborFloatTimestampsAndHalfFloats) {
  // {"StartTime": 1(1767225600.5 as float64), "EndTime": 1(half 2.0), "Namespace":"N", "MetricName":"M", "Period": 60}
  Value in = Value::Struct();
  in.Set("StartTime", Value::TimestampMs(kJan1 + 500));
  std::string enc;
  EncodeCbor(in, &enc);
  EXPECT_EQ(Hex(enc).substr(0, 24), "a169537461727454696d65c1");
  EXPECT_EQ(static_cast<uint8_t>(enc[12]), 0xfb);  // float64 seconds
  Value v;
  ASSERT_TRUE(ParseCbor(enc, &v).ok());
  EXPECT_EQ(v.Find("StartTime")->timestamp_ms(), kJan1 + 500);
  // Half float 2.0 (0xf9 0x4000) under tag 1; undefined (0xf7) decodes as null.
  ASSERT_TRUE(ParseCbor(Unhex("a26174c1f94000617af7"), &v).ok());
  EXPECT_EQ(v.Find("t")->timestamp_ms(), 2000);
  EXPECT_EQ(v.Find("z"), nullptr);
  // Single float 1.5 (0xfa 3fc00000).
  ASSERT_TRUE(ParseCbor(Unhex("fa3fc00000"), &v).ok());
  EXPECT_EQ(v.double_value(), 1.5);
  // Indefinite map and text.
  ASSERT_TRUE(ParseCbor(Unhex("bf61617f61626163ffff"), &v).ok());
  EXPECT_EQ(v.Find("a")->string_value(), "bc");
}

TEST(WireTest, CborRejectsMalformed) {
  Value v;
  EXPECT_EQ(ParseCbor(Unhex("a1"), &v).code(), ErrorCode::kSerialization);
  EXPECT_EQ(ParseCbor(Unhex("a0a0"), &v).code(), ErrorCode::kSerialization);    // trailing
  EXPECT_EQ(ParseCbor(Unhex("a10102"), &v).code(), ErrorCode::kSerialization);  // int key
  EXPECT_TRUE(ParseCbor(Unhex("a0"), &v).ok());
}

TEST(WireTest, JsonDecodesEpochSecondsAndChecksTypes) {
  Value v;
  ApiError e = DecodeRequest(api::Wire::kAwsJson,
                             R"({"Namespace":"App","MetricName":"Lat","StartTime":1767225600.25,"EndTime":1767229200,)"
                             R"("Period":60,"Statistics":["Sum"],"Unknown":{"x":1}})",
                             Input("GetMetricStatistics"), &v);
  ASSERT_TRUE(e.ok()) << e.message();
  EXPECT_EQ(v.Find("StartTime")->timestamp_ms(), kJan1 + 250);
  EXPECT_EQ(v.Find("Unknown"), nullptr);
  e = DecodeRequest(api::Wire::kAwsJson,
                    R"({"Namespace":"App","MetricName":"Lat","StartTime":"x","EndTime":1,"Period":60})",
                    Input("GetMetricStatistics"), &v);
  EXPECT_EQ(e.code(), ErrorCode::kSerialization);
  e = DecodeRequest(api::Wire::kAwsJson, R"({"Namespace":"App"})", Input("GetMetricStatistics"), &v);
  EXPECT_EQ(e.code(), ErrorCode::kMissingParameter);
  EXPECT_NE(e.message().find("MetricName"), std::string::npos);
  e = DecodeRequest(api::Wire::kAwsJson,
                    R"({"Namespace":"App","MetricName":"M","StartTime":1,"EndTime":2,"Period":60,"Unit":"Furlongs"})",
                    Input("GetMetricStatistics"), &v);
  EXPECT_EQ(e.code(), ErrorCode::kInvalidParameterValue);
  e = DecodeRequest(api::Wire::kAwsJson, "{", Input("ListMetrics"), &v);
  EXPECT_EQ(e.code(), ErrorCode::kSerialization);
}

TEST(WireTest, QueryRebuildsListsAndTypes) {
  Value v;
  ApiError e = DecodeRequest(
      api::Wire::kAwsQuery,
      "Action=PutMetricData&Version=2010-08-01&Namespace=My%2FApp&MetricData.member.1.MetricName=Lat"
      "&MetricData.member.1.Value=1.5&MetricData.member.1.Dimensions.member.1.Name=Host"
      "&MetricData.member.1.Dimensions.member.1.Value=a+b&MetricData.member.1.Timestamp=2026-01-01T00%3A00%3A00Z"
      "&MetricData.member.2.MetricName=Other&MetricData.member.2.Values.member.1=1"
      "&MetricData.member.2.Values.member.2=2&MetricData.member.2.StorageResolution=1",
      Input("PutMetricData"), &v);
  ASSERT_TRUE(e.ok()) << e.message();
  EXPECT_EQ(v.Find("Namespace")->string_value(), "My/App");
  const auto& md = v.Find("MetricData")->items();
  ASSERT_EQ(md.size(), 2u);
  EXPECT_EQ(md[0].Find("Value")->double_value(), 1.5);
  EXPECT_EQ(md[0].Find("Timestamp")->timestamp_ms(), kJan1);
  EXPECT_EQ(md[0].Find("Dimensions")->items()[0].Find("Value")->string_value(), "a b");
  EXPECT_EQ(md[1].Find("Values")->items().size(), 2u);
  EXPECT_EQ(md[1].Find("StorageResolution")->int_value(), 1);
  e = DecodeRequest(api::Wire::kAwsQuery, "Namespace=N&MetricData.member.1.MetricName=M&MetricData.member.1.Value=abc",
                    Input("PutMetricData"), &v);
  EXPECT_EQ(e.code(), ErrorCode::kSerialization);
}

TEST(WireTest, Iso8601) {
  int64_t ms = 0;
  ASSERT_TRUE(ParseIso8601("2026-01-01T00:00:00Z", &ms));
  EXPECT_EQ(ms, kJan1);
  ASSERT_TRUE(ParseIso8601("2026-01-01T01:30:00.500000Z", &ms));
  EXPECT_EQ(ms, kJan1 + 5400500);
  ASSERT_TRUE(ParseIso8601("2026-01-01T02:00:00+02:00", &ms));
  EXPECT_EQ(ms, kJan1);
  EXPECT_FALSE(ParseIso8601("2026-13-01T00:00:00Z", &ms));
  EXPECT_FALSE(ParseIso8601("yesterday", &ms));
}

TEST(WireTest, XmlResponseAndErrors) {
  Value r = Value::Struct();
  r.Set("Label", Value::String("Lat<1>"));
  Value& dps = r.Set("Datapoints", Value::List());
  Value dp = Value::Struct();
  dp.Set("Timestamp", Value::TimestampMs(kJan1));
  dp.Set("Sum", Value::Double(2.5));
  dps.Append(std::move(dp));
  api::ApiResponse resp;
  EncodeResponse(api::Wire::kAwsQuery, "GetMetricStatistics", &r, "rid", &resp);
  EXPECT_EQ(resp.content_type, "text/xml");
  EXPECT_EQ(resp.body,
            "<GetMetricStatisticsResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\">"
            "<GetMetricStatisticsResult><Label>Lat&lt;1&gt;</Label><Datapoints><member>"
            "<Timestamp>2026-01-01T00:00:00.000Z</Timestamp><Sum>2.5</Sum></member></Datapoints>"
            "</GetMetricStatisticsResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata>"
            "</GetMetricStatisticsResponse>");

  api::ApiResponse err;
  EncodeError(api::Wire::kAwsQuery, ApiError::InvalidValue("bad"), "rid", &err);
  EXPECT_EQ(err.http_status, 400);
  EXPECT_EQ(
      err.body,
      "<ErrorResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\"><Error><Type>Sender</Type>"
      "<Code>InvalidParameterValue</Code><Message>bad</Message></Error><RequestId>rid</RequestId></ErrorResponse>");

  api::ApiResponse jerr;
  EncodeError(api::Wire::kAwsJson, ApiError::Missing("m"), "rid", &jerr);
  EXPECT_EQ(jerr.body, R"({"__type":"com.amazonaws.cloudwatch#MissingRequiredParameterException","message":"m"})");
  ASSERT_EQ(jerr.headers.size(), 1u);
  EXPECT_EQ(jerr.headers[0].second, "MissingParameter;Sender");

  api::ApiResponse cerr;
  EncodeError(api::Wire::kRpcV2Cbor, ApiError::Internal("x"), "rid", &cerr);
  EXPECT_EQ(cerr.http_status, 500);
  EXPECT_EQ(cerr.content_type, "application/cbor");
  ASSERT_EQ(cerr.headers.size(), 2u);
  EXPECT_EQ(cerr.headers[0].first, "Smithy-Protocol");
  EXPECT_EQ(cerr.headers[1].second, "InternalServiceError;Receiver");
  Value decoded;
  ASSERT_TRUE(ParseCbor(cerr.body, &decoded).ok());
  EXPECT_EQ(decoded.Find("__type")->string_value(), "com.amazonaws.cloudwatch#InternalServiceFault");

  api::ApiResponse ok;
  EncodeResponse(api::Wire::kRpcV2Cbor, "PutMetricData", nullptr, "rid", &ok);
  EXPECT_EQ(Hex(ok.body), "a0");
  EXPECT_EQ(ok.headers[0].second, "rpc-v2-cbor");
}

TEST(WireTest, JsonEncodesTimestampsAsSeconds) {
  Value r = Value::Struct();
  r.Set("T", Value::TimestampMs(kJan1 + 5));
  r.Set("D", Value::Double(0.1));
  r.Set("N", Value());
  std::string out;
  EncodeJson(r, &out);
  EXPECT_EQ(out, R"({"T":1767225600.005,"D":0.1})");
}

}  // namespace
}  // namespace sluice::cloudwatch
