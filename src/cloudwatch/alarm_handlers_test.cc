// The alarm operations through the CloudWatch dispatcher (JSON 1.0 and query): members as the
// model names them, errors by __type / code, nothing changed on bad input.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "alarms/alarm_service.h"
#include "base/clock.h"
#include "cloudwatch/dispatcher.h"
#include "cloudwatch/wire.h"
#include "metrics/metric_store.h"

namespace sluice::cloudwatch {
namespace {
namespace api = ::sluice::server::api;

constexpr int64_t kNow = 1767225600000;  // 2026-01-01T00:00:00Z

class AlarmHandlersTest : public ::testing::Test {
 protected:
  AlarmHandlersTest() : clock_(kNow), store_(metrics::NewMemoryMetricStore(&clock_)) {
    alarms::AlarmServiceOptions o;
    o.memory = true;
    o.clock = &clock_;
    o.metric_store = store_.get();
    o.start_notifier = false;
    alarms_ = std::move(alarms::AlarmService::Open(std::move(o))).value();
    CloudWatchServices s;
    s.store = store_.get();
    s.clock = &clock_;
    s.alarms = alarms_.get();
    dispatcher_ = std::make_unique<CloudWatchDispatcher>(s);
  }

  api::ApiResponse Call(api::Wire wire, std::string_view op, std::string body) {
    body_ = std::move(body);
    api::ApiRequest req;
    req.service = api::Service::kCloudWatch;
    req.wire = wire;
    req.operation = op;
    req.body = body_;
    req.request_id = "rid";
    api::ApiResponse resp;
    dispatcher_->Dispatch(req, &resp, [] {});
    return resp;
  }
  api::ApiResponse Json(std::string_view op, std::string body) {
    return Call(api::Wire::kAwsJson, op, std::move(body));
  }
  api::ApiResponse Query(std::string body) { return Call(api::Wire::kAwsQuery, "", std::move(body)); }
  static Value Parse(const api::ApiResponse& r) {
    Value v;
    EXPECT_TRUE(ParseJson(r.body, &v).ok()) << r.body;
    return v;
  }
  // The error's shape name, without the namespace of __type.
  static std::string ErrorType(const api::ApiResponse& r) {
    Value v = Parse(r);
    const Value* t = v.Find("__type");
    if (t == nullptr) return "";
    const std::string& s = t->string_value();
    return s.substr(s.find('#') + 1);
  }

  static constexpr std::string_view kAlarm = R"({"AlarmName":"high","Namespace":"App","MetricName":"Errors",
      "Dimensions":[{"Name":"Svc","Value":"api"}],"Statistic":"Sum","Period":60,"EvaluationPeriods":3,
      "DatapointsToAlarm":2,"Threshold":5.5,"ComparisonOperator":"GreaterThanThreshold","TreatMissingData":"breaching",
      "AlarmActions":["arn:aws:sns:us-east-1:000000000000:t"],"Tags":[{"Key":"team","Value":"core"}]})";

  ManualClock clock_;
  std::unique_ptr<metrics::MetricStore> store_;
  std::unique_ptr<alarms::AlarmService> alarms_;
  std::unique_ptr<CloudWatchDispatcher> dispatcher_;
  std::string body_;
};

TEST_F(AlarmHandlersTest, PutThenDescribeOverJson) {
  api::ApiResponse r = Json("PutMetricAlarm", std::string(kAlarm));
  ASSERT_EQ(r.http_status, 200) << r.body;
  r = Json("DescribeAlarms", "{}");
  ASSERT_EQ(r.http_status, 200) << r.body;
  Value v = Parse(r);
  const Value* list = v.Find("MetricAlarms");
  ASSERT_TRUE(list && list->items().size() == 1) << r.body;
  const Value& a = list->items()[0];
  EXPECT_EQ(a.Find("AlarmName")->string_value(), "high");
  EXPECT_EQ(a.Find("AlarmArn")->string_value(), "arn:aws:cloudwatch:us-east-1:000000000000:alarm:high");
  EXPECT_EQ(a.Find("StateValue")->string_value(), "INSUFFICIENT_DATA");
  EXPECT_EQ(a.Find("Threshold")->double_value(), 5.5);
  EXPECT_EQ(a.Find("DatapointsToAlarm")->int_value(), 2);
  EXPECT_EQ(a.Find("TreatMissingData")->string_value(), "breaching");
  EXPECT_EQ(a.Find("Dimensions")->items()[0].Find("Value")->string_value(), "api");
  EXPECT_EQ(a.Find("AlarmActions")->items()[0].string_value(), "arn:aws:sns:us-east-1:000000000000:t");
  ASSERT_NE(v.Find("CompositeAlarms"), nullptr);

  r = Json("ListTagsForResource", R"({"ResourceARN":"arn:aws:cloudwatch:us-east-1:000000000000:alarm:high"})");
  ASSERT_EQ(r.http_status, 200) << r.body;
  EXPECT_EQ(Parse(r).Find("Tags")->items()[0].Find("Key")->string_value(), "team");
}

TEST_F(AlarmHandlersTest, DescribeOverQuery) {
  ASSERT_EQ(Json("PutMetricAlarm", std::string(kAlarm)).http_status, 200);
  api::ApiResponse r = Query("Action=DescribeAlarms&Version=2010-08-01&AlarmNames.member.1=high");
  ASSERT_EQ(r.http_status, 200) << r.body;
  EXPECT_NE(r.body.find("<MetricAlarms><member>"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("<AlarmName>high</AlarmName>"), std::string::npos) << r.body;
  r = Query("Action=SetAlarmState&Version=2010-08-01&AlarmName=high&StateValue=ALARM&StateReason=drill");
  ASSERT_EQ(r.http_status, 200) << r.body;
  r = Query("Action=DescribeAlarmHistory&Version=2010-08-01&AlarmName=high&HistoryItemType=StateUpdate");
  ASSERT_EQ(r.http_status, 200) << r.body;
  EXPECT_NE(r.body.find("Alarm updated from INSUFFICIENT_DATA to ALARM"), std::string::npos) << r.body;
}

TEST_F(AlarmHandlersTest, ErrorsChangeNothing) {
  std::string bad(kAlarm);
  bad.replace(bad.find("\"Period\":60"), 11, "\"Period\":45");
  api::ApiResponse r = Json("PutMetricAlarm", bad);
  EXPECT_EQ(r.http_status, 400);
  EXPECT_EQ(ErrorType(r), "InvalidParameterValueException");
  EXPECT_EQ(alarms_->alarm_count(), 0u);

  ASSERT_EQ(Json("PutMetricAlarm", std::string(kAlarm)).http_status, 200);
  r = Json("DeleteAlarms", R"({"AlarmNames":["high","nope"]})");
  EXPECT_EQ(r.http_status, 404);
  EXPECT_EQ(ErrorType(r), "ResourceNotFound");
  EXPECT_EQ(alarms_->alarm_count(), 1u);
  r = Json("SetAlarmState", R"({"AlarmName":"high","StateValue":"OK","StateReason":"x","StateReasonData":"{"})");
  EXPECT_EQ(ErrorType(r), "InvalidFormatFault");
  r = Json("TagResource", R"({"ResourceARN":"arn:aws:cloudwatch:us-east-1:000000000000:alarm:nope","Tags":[]})");
  EXPECT_EQ(r.http_status, 404);
  EXPECT_EQ(ErrorType(r), "ResourceNotFoundException");
  r = Json("DescribeAlarms", R"({"NextToken":"bogus"})");
  EXPECT_EQ(ErrorType(r), "InvalidNextToken");
  r = Query("Action=DeleteAlarms&Version=2010-08-01&AlarmNames.member.1=nope");
  EXPECT_EQ(r.http_status, 404);
  EXPECT_NE(r.body.find("<Code>ResourceNotFound</Code>"), std::string::npos) << r.body;
  EXPECT_EQ(alarms_->GetAlarm("high")->state, alarms::AlarmState::kInsufficientData);
}

}  // namespace
}  // namespace sluice::cloudwatch
