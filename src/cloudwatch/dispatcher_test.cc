// The CloudWatch dispatcher end to end over its wires, with the in-memory metric store and a
// manual clock: handlers' validation (bad input -> the right error, nothing stored), statistics,
// metric math, pagination.
#include "cloudwatch/dispatcher.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <memory>
#include <string>

#include "base/clock.h"
#include "cloudwatch/wire.h"
#include "metrics/metric_store.h"

namespace sluice::cloudwatch {
namespace {
namespace api = ::sluice::server::api;

constexpr int64_t kNow = 1767225600000 + 3600'000;  // 2026-01-01T01:00:00Z

class CloudWatchTest : public ::testing::Test {
 protected:
  CloudWatchTest() : clock_(kNow), store_(metrics::NewMemoryMetricStore(&clock_)), dispatcher_(Services()) {}

  CloudWatchServices Services() {
    CloudWatchServices s;
    s.store = store_.get();
    s.clock = &clock_;
    return s;
  }

  // Calls `op` over JSON 1.0; returns the response.
  api::ApiResponse Json(std::string_view op, std::string body, std::string_view encoding = {}) {
    body_ = std::move(body);
    api::ApiRequest req;
    req.service = api::Service::kCloudWatch;
    req.wire = api::Wire::kAwsJson;
    req.operation = op;
    req.body = body_;
    req.content_encoding = encoding;
    req.request_id = "rid";
    api::ApiResponse resp;
    dispatcher_.Dispatch(req, &resp, [] {});
    return resp;
  }
  api::ApiResponse Query(std::string body) {
    body_ = std::move(body);
    api::ApiRequest req;
    req.service = api::Service::kCloudWatch;
    req.wire = api::Wire::kAwsQuery;
    req.body = body_;
    req.request_id = "rid";
    api::ApiResponse resp;
    dispatcher_.Dispatch(req, &resp, [] {});
    return resp;
  }
  // The JSON response body parsed back into a Value.
  static Value Parse(const api::ApiResponse& r) {
    Value v;
    EXPECT_TRUE(ParseJson(r.body, &v).ok()) << r.body;
    return v;
  }
  static std::string ErrorType(const api::ApiResponse& r) {
    Value v = Parse(r);
    const Value* t = v.Find("__type");
    return t ? t->string_value() : "";
  }
  size_t StoredMetrics() {
    metrics::ListMetricsQuery q;
    auto page = store_->List(q);
    EXPECT_TRUE(page.ok());
    return page.ok() ? page->metrics.size() : 0;
  }
  // Seconds since the epoch of kNow - ago_s, as JSON text.
  static std::string Ts(int64_t ago_s) { return std::to_string(kNow / 1000 - ago_s); }

  ManualClock clock_;
  std::unique_ptr<metrics::MetricStore> store_;
  CloudWatchDispatcher dispatcher_;
  std::string body_;
};

TEST_F(CloudWatchTest, PutThenGetMetricStatistics) {
  api::ApiResponse r = Json("PutMetricData", R"({"Namespace":"App","MetricData":[
      {"MetricName":"Latency","Dimensions":[{"Name":"Host","Value":"a"}],"Value":10,"Unit":"Milliseconds","Timestamp":)" +
                                                 Ts(120) + R"(},
      {"MetricName":"Latency","Dimensions":[{"Name":"Host","Value":"a"}],"Values":[20,30],"Counts":[1,2],"Unit":"Milliseconds","Timestamp":)" +
                                                 Ts(120) + R"(},
      {"MetricName":"Latency","Dimensions":[{"Name":"Host","Value":"a"}],"StatisticValues":{"SampleCount":2,"Sum":8,"Minimum":4,"Maximum":4},"Unit":"Milliseconds","Timestamp":)" +
                                                 Ts(60) + R"(}]})");
  ASSERT_EQ(r.http_status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/x-amz-json-1.0");

  r = Json("GetMetricStatistics",
           R"({"Namespace":"App","MetricName":"Latency","Dimensions":[{"Name":"Host","Value":"a"}],
      "StartTime":)" +
               Ts(600) + R"(,"EndTime":)" + Ts(0) +
               R"(,"Period":60,"Statistics":["Sum","SampleCount","Maximum","Average"]})");
  ASSERT_EQ(r.http_status, 200) << r.body;
  Value v = Parse(r);
  EXPECT_EQ(v.Find("Label")->string_value(), "Latency");
  const auto& dps = v.Find("Datapoints")->items();
  ASSERT_EQ(dps.size(), 2u) << r.body;
  double total = 0, count = 0;
  for (const Value& dp : dps) {
    total += dp.Find("Sum")->double_value();
    count += dp.Find("SampleCount")->double_value();
    EXPECT_EQ(dp.Find("Unit")->string_value(), "Milliseconds");
    EXPECT_EQ(dp.Find("ExtendedStatistics"), nullptr);
  }
  EXPECT_EQ(total, 10 + 20 + 60 + 8);
  EXPECT_EQ(count, 6);
  // Percentiles in their own request (the model: Statistics or ExtendedStatistics, not both).
  r = Json("GetMetricStatistics",
           R"({"Namespace":"App","MetricName":"Latency","Dimensions":[{"Name":"Host","Value":"a"}],
      "StartTime":)" +
               Ts(600) + R"(,"EndTime":)" + Ts(0) + R"(,"Period":60,"ExtendedStatistics":["p50"]})");
  ASSERT_EQ(r.http_status, 200) << r.body;
  const Value percentiles = Parse(r);
  ASSERT_EQ(percentiles.Find("Datapoints")->items().size(), 2u) << r.body;
  for (const Value& dp : percentiles.Find("Datapoints")->items()) {
    ASSERT_NE(dp.Find("ExtendedStatistics"), nullptr) << r.body;
    EXPECT_NE(dp.Find("ExtendedStatistics")->Find("p50"), nullptr) << r.body;
  }

  // A different dimension set is a different metric.
  r = Json("GetMetricStatistics", R"({"Namespace":"App","MetricName":"Latency","StartTime":)" + Ts(600) +
                                      R"(,"EndTime":)" + Ts(0) + R"(,"Period":60,"Statistics":["Sum"]})");
  EXPECT_EQ(Parse(r).Find("Datapoints")->items().size(), 0u);
}

TEST_F(CloudWatchTest, PutMetricDataRejectsBadInputAndStoresNothing) {
  struct Case {
    std::string body;
    std::string type;
  };
  const std::string good = R"({"MetricName":"Ok","Value":1})";
  const std::vector<Case> cases = {
      {R"({"Namespace":"AWS/Kinesis","MetricData":[)" + good + "]}", "InvalidParameterValueException"},
      {R"({"Namespace":"App","MetricData":[)" + good + R"(,{"MetricName":"M","Value":1,"Timestamp":)" + Ts(15 * 86400) +
           "}]}",
       "InvalidParameterValueException"},
      {R"({"Namespace":"App","MetricData":[)" + good + R"(,{"MetricName":"M","Value":1,"Timestamp":)" + Ts(-3 * 3600) +
           "}]}",
       "InvalidParameterValueException"},
      {R"({"Namespace":"App","MetricData":[)" + good +
           R"(,{"MetricName":"M","Value":1,"StatisticValues":{"SampleCount":1,"Sum":1,"Minimum":1,"Maximum":1}}]})",
       "InvalidParameterCombinationException"},
      {R"({"Namespace":"App","MetricData":[)" + good + R"(,{"MetricName":"M","Value":1,"StorageResolution":5}]})",
       "InvalidParameterValueException"},
      {R"({"Namespace":"App","MetricData":[)" + good + R"(,{"MetricName":"M","Values":[1,2],"Counts":[1]}]})",
       "InvalidParameterValueException"},
      {R"({"Namespace":"App","MetricData":[)" + good + R"(,{"MetricName":"M"}]})",
       "InvalidParameterCombinationException"},
      {R"({"Namespace":"App","MetricData":[)" + good + R"(,{"Value":1}]})", "MissingRequiredParameterException"},
      {R"({"Namespace":"App","MetricData":[)" + good + R"(,{"MetricName":"M","Value":1,"Unit":"Parsecs"}]})",
       "InvalidParameterValueException"},
      {R"({"MetricData":[)" + good + "]}", "MissingRequiredParameterException"},
      {R"({"Namespace":"App"})", "MissingRequiredParameterException"},
      {R"({"Namespace":"App","MetricData":[)" + good + R"(,{"MetricName":"M","Value":"x"}]})",
       "SerializationException"},
  };
  for (const Case& c : cases) {
    api::ApiResponse r = Json("PutMetricData", c.body);
    EXPECT_EQ(r.http_status, 400) << c.body;
    EXPECT_EQ(ErrorType(r), "com.amazonaws.cloudwatch#" + c.type) << c.body << " -> " << r.body;
    ASSERT_FALSE(r.headers.empty());
    EXPECT_EQ(r.headers.back().first, "x-amzn-query-error");
  }
  // 31 dimensions, 1001 metrics.
  std::string dims;
  for (int i = 0; i < 31; ++i)
    dims += std::string(i ? "," : "") + R"({"Name":"d)" + std::to_string(i) + R"(","Value":"v"})";
  api::ApiResponse r =
      Json("PutMetricData",
           R"({"Namespace":"App","MetricData":[{"MetricName":"M","Value":1,"Dimensions":[)" + dims + "]}]}");
  EXPECT_EQ(ErrorType(r), "com.amazonaws.cloudwatch#InvalidParameterValueException") << r.body;
  std::string many;
  for (int i = 0; i < 1001; ++i) many += std::string(i ? "," : "") + good;
  r = Json("PutMetricData", R"({"Namespace":"App","MetricData":[)" + many + "]}");
  EXPECT_EQ(ErrorType(r), "com.amazonaws.cloudwatch#InvalidParameterValueException");
  EXPECT_EQ(StoredMetrics(), 0u);
}

TEST_F(CloudWatchTest, GzipBodies) {
  const std::string json = R"({"Namespace":"App","MetricData":[{"MetricName":"Zipped","Value":3}]})";
  std::string gz(compressBound(json.size()) + 32, '\0');
  z_stream zs{};
  ASSERT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(json.data()));
  zs.avail_in = static_cast<uInt>(json.size());
  zs.next_out = reinterpret_cast<Bytef*>(gz.data());
  zs.avail_out = static_cast<uInt>(gz.size());
  ASSERT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  gz.resize(zs.total_out);
  deflateEnd(&zs);
  api::ApiResponse r = Json("PutMetricData", gz, "gzip");
  ASSERT_EQ(r.http_status, 200) << r.body;
  EXPECT_EQ(StoredMetrics(), 1u);
  r = Json("PutMetricData", "not gzip", "gzip");
  EXPECT_EQ(r.http_status, 400);
  r = Json("PutMetricData", std::string(kMaxRequestBytes + 1, ' '));
  EXPECT_EQ(r.http_status, 413);
}

TEST_F(CloudWatchTest, HighResolutionMetrics) {
  ASSERT_EQ(Json("PutMetricData", R"({"Namespace":"App","MetricData":[
      {"MetricName":"Hi","Value":1,"StorageResolution":1,"Timestamp":)" +
                                      Ts(120) + R"(},
      {"MetricName":"Hi","Value":2,"StorageResolution":1,"Timestamp":)" +
                                      Ts(119) + R"(},
      {"MetricName":"Hi","Value":4,"StorageResolution":1,"Timestamp":)" +
                                      Ts(110) + "}]}")
                .http_status,
            200);
  auto points = [&](int period) {
    api::ApiResponse r = Json("GetMetricStatistics", R"({"Namespace":"App","MetricName":"Hi","StartTime":)" + Ts(300) +
                                                         R"(,"EndTime":)" + Ts(0) + R"(,"Period":)" +
                                                         std::to_string(period) + R"(,"Statistics":["Sum"]})");
    EXPECT_EQ(r.http_status, 200) << r.body;
    return Parse(r).Find("Datapoints")->items().size();
  };
  EXPECT_EQ(points(1), 3u);
  EXPECT_EQ(points(10), 2u);
  EXPECT_EQ(points(60), 1u);
}

TEST_F(CloudWatchTest, GetMetricStatisticsValidation) {
  auto call = [&](const std::string& extra, const std::string& period = "60") {
    return Json("GetMetricStatistics", R"({"Namespace":"App","MetricName":"M","StartTime":)" + Ts(3600) +
                                           R"(,"EndTime":)" + Ts(0) + R"(,"Period":)" + period + extra + "}");
  };
  EXPECT_EQ(ErrorType(call("")), "com.amazonaws.cloudwatch#MissingRequiredParameterException");
  EXPECT_EQ(ErrorType(call(R"(,"Statistics":["Sum"])", "7")),
            "com.amazonaws.cloudwatch#InvalidParameterValueException");
  EXPECT_EQ(ErrorType(call(R"(,"Statistics":["Sum"])", "90")),
            "com.amazonaws.cloudwatch#InvalidParameterValueException");
  EXPECT_EQ(call(R"(,"Statistics":["Sum"])", "10").http_status, 200);
  EXPECT_EQ(call(R"(,"Statistics":["Sum"])", "20").http_status, 200);
  EXPECT_EQ(ErrorType(call(R"(,"Statistics":["Sum"])", "1")),
            "com.amazonaws.cloudwatch#InvalidParameterCombinationException");  // 3600 points > 1440
  EXPECT_EQ(ErrorType(call(R"(,"Statistics":["Sum","Average","Minimum"],"ExtendedStatistics":["p1","p2","p3"])")),
            "com.amazonaws.cloudwatch#InvalidParameterCombinationException");
  EXPECT_EQ(ErrorType(call(R"(,"ExtendedStatistics":["p101"])")),
            "com.amazonaws.cloudwatch#InvalidParameterValueException");
  EXPECT_EQ(ErrorType(call(R"(,"Statistics":["Median"])")), "com.amazonaws.cloudwatch#InvalidParameterValueException");
}

TEST_F(CloudWatchTest, GetMetricDataWithMathScanByAndPages) {
  std::string data;
  for (int i = 0; i < 5; ++i) {
    data += std::string(i ? "," : "") + R"({"MetricName":"Req","Value":)" + std::to_string(10 * (i + 1)) +
            R"(,"Timestamp":)" + Ts(60 * (5 - i)) + R"(},{"MetricName":"Err","Value":)" + std::to_string(i) +
            R"(,"Timestamp":)" + Ts(60 * (5 - i)) + "}";
  }
  ASSERT_EQ(Json("PutMetricData", R"({"Namespace":"App","MetricData":[)" + data + "]}").http_status, 200);
  const std::string queries =
      R"j("MetricDataQueries":[
        {"Id":"req","MetricStat":{"Metric":{"Namespace":"App","MetricName":"Req"},"Period":60,"Stat":"Sum"},"ReturnData":false},
        {"Id":"err","MetricStat":{"Metric":{"Namespace":"App","MetricName":"Err"},"Period":60,"Stat":"Sum"},"ReturnData":false},
        {"Id":"rate","Expression":"100 * err / req","Label":"Error rate"},
        {"Id":"total","Expression":"SUM(METRICS())"}],"StartTime":)j" +
      Ts(600) + R"(,"EndTime":)" + Ts(0);
  api::ApiResponse r = Json("GetMetricData", "{" + queries + "}");
  ASSERT_EQ(r.http_status, 200) << r.body;
  Value v = Parse(r);
  const auto& results = v.Find("MetricDataResults")->items();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].Find("Label")->string_value(), "Error rate");
  const auto& vals = results[0].Find("Values")->items();
  ASSERT_EQ(vals.size(), 5u);
  EXPECT_DOUBLE_EQ(vals[0].double_value(), 100.0 * 4 / 50);  // newest first (TimestampDescending)
  EXPECT_DOUBLE_EQ(vals[4].double_value(), 0);
  EXPECT_EQ(results[0].Find("StatusCode")->string_value(), "Complete");
  const auto& ts = results[0].Find("Timestamps")->items();
  EXPECT_GT(ts[0].double_value(), ts[4].double_value());
  EXPECT_DOUBLE_EQ(results[1].Find("Values")->items()[0].double_value(), 54);

  // Ascending, 3 datapoints a page: 10 points in 4 pages.
  std::string token;
  std::vector<double> seen;
  for (int page = 0; page < 5; ++page) {
    std::string body = "{" + queries + R"(,"ScanBy":"TimestampAscending","MaxDatapoints":3)";
    if (!token.empty()) body += R"(,"NextToken":")" + token + "\"";
    r = Json("GetMetricData", body + "}");
    ASSERT_EQ(r.http_status, 200) << r.body;
    v = Parse(r);
    for (const Value& res : v.Find("MetricDataResults")->items()) {
      for (const Value& x : res.Find("Values")->items()) seen.push_back(x.double_value());
    }
    const Value* next = v.Find("NextToken");
    if (next == nullptr) break;
    token = next->string_value();
  }
  ASSERT_EQ(seen.size(), 10u);
  EXPECT_DOUBLE_EQ(seen[0], 0);   // rate, oldest first
  EXPECT_DOUBLE_EQ(seen[5], 10);  // total, oldest first
  r = Json("GetMetricData", "{" + queries + R"(,"NextToken":"bogus"})");
  EXPECT_EQ(ErrorType(r), "com.amazonaws.cloudwatch#InvalidNextToken");
}

TEST_F(CloudWatchTest, GetMetricDataValidation) {
  auto call = [&](const std::string& q) {
    return ErrorType(Json("GetMetricData", R"({"MetricDataQueries":[)" + q + R"(],"StartTime":)" + Ts(600) +
                                               R"(,"EndTime":)" + Ts(0) + "}"));
  };
  const std::string m =
      R"({"Id":"m1","MetricStat":{"Metric":{"Namespace":"App","MetricName":"M"},"Period":60,"Stat":"Sum"}})";
  EXPECT_EQ(call(m), "");
  EXPECT_EQ(call(R"({"Id":"Bad","Expression":"1"})"), "com.amazonaws.cloudwatch#InvalidParameterValueException");
  EXPECT_EQ(call(m + "," + m), "com.amazonaws.cloudwatch#InvalidParameterValueException");
  EXPECT_EQ(call(R"({"Id":"e1","Expression":"m9 * 2"})"), "com.amazonaws.cloudwatch#InvalidParameterValueException");
  EXPECT_EQ(call(R"({"Id":"e1","Expression":"e2"},{"Id":"e2","Expression":"e1"})"),
            "com.amazonaws.cloudwatch#InvalidParameterValueException");
  EXPECT_EQ(call(R"j({"Id":"e1","Expression":"FOO(1)"})j"), "com.amazonaws.cloudwatch#InvalidParameterValueException");
  EXPECT_EQ(call(R"({"Id":"e1"})"), "com.amazonaws.cloudwatch#InvalidParameterCombinationException");
  EXPECT_EQ(call(R"({"Id":"m1","MetricStat":{"Metric":{"Namespace":"App","MetricName":"M"},"Period":1,"Stat":"Sum"}})"),
            "");
}

TEST_F(CloudWatchTest, ListMetricsFiltersAndPages) {
  ASSERT_EQ(Json("PutMetricData", R"({"Namespace":"App","MetricData":[
      {"MetricName":"A","Dimensions":[{"Name":"Host","Value":"h1"}],"Value":1},
      {"MetricName":"A","Dimensions":[{"Name":"Host","Value":"h2"}],"Value":1},
      {"MetricName":"B","Value":1}]})")
                .http_status,
            200);
  Value v = Parse(Json("ListMetrics", R"({"Namespace":"App","MetricName":"A"})"));
  EXPECT_EQ(v.Find("Metrics")->items().size(), 2u);
  v = Parse(Json("ListMetrics", R"({"Dimensions":[{"Name":"Host","Value":"h2"}]})"));
  ASSERT_EQ(v.Find("Metrics")->items().size(), 1u);
  EXPECT_EQ(v.Find("Metrics")->items()[0].Find("Dimensions")->items()[0].Find("Value")->string_value(), "h2");
  v = Parse(Json("ListMetrics", R"({"RecentlyActive":"PT3H"})"));
  EXPECT_EQ(v.Find("Metrics")->items().size(), 3u);
  EXPECT_EQ(Json("ListMetrics", R"({"RecentlyActive":"PT1H"})").http_status, 400);
}

TEST_F(CloudWatchTest, QueryProtocolAndUnknownActions) {
  api::ApiResponse r = Query(
      "Action=PutMetricData&Version=2010-08-01&Namespace=App&MetricData.member.1.MetricName=Q"
      "&MetricData.member.1.Value=2&MetricData.member.1.Unit=Count");
  ASSERT_EQ(r.http_status, 200) << r.body;
  EXPECT_EQ(r.content_type, "text/xml");
  EXPECT_EQ(r.body,
            "<PutMetricDataResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\"><ResponseMetadata>"
            "<RequestId>rid</RequestId></ResponseMetadata></PutMetricDataResponse>");
  r = Query("Action=ListMetrics&Version=2010-08-01&Namespace=App");
  EXPECT_NE(r.body.find("<ListMetricsResult><Metrics><member><Namespace>App</Namespace><MetricName>Q</MetricName>"),
            std::string::npos)
      << r.body;
  r = Query("Action=Frobnicate&Version=2010-08-01");
  EXPECT_EQ(r.http_status, 400);
  EXPECT_NE(r.body.find("<Code>InvalidAction</Code>"), std::string::npos);
  r = Query("Version=2010-08-01");
  EXPECT_NE(r.body.find("<Code>MissingParameter</Code>"), std::string::npos);
  r = Json("PutDashboard", "{}");  // modelled, not implemented
  EXPECT_EQ(r.http_status, 400);
}

}  // namespace
}  // namespace sluice::cloudwatch
