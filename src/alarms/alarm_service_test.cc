#include "alarms/alarm_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>

namespace sluice::alarms {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kStart = 1'700'000'000'000;  // a multiple of 60 s
constexpr char kTopic[] = "arn:aws:sns:us-east-1:000000000000:ops";

// Samples go into the in-memory MetricStore at 1-second resolution, as PutMetricData with
// StorageResolution 1 stores them.
class SampleStore {
 public:
  explicit SampleStore(const Clock* clock) : store_(metrics::NewMemoryMetricStore(clock)) {}
  void Put(const metrics::MetricId& id, int64_t ts, double v) {
    metrics::StatSet s;
    s.AddSample(v);
    ASSERT_TRUE(store_->Add(id, metrics::Unit::kCount, ts, s, 1).ok());
  }
  metrics::MetricStore* get() { return store_.get(); }

 private:
  std::unique_ptr<metrics::MetricStore> store_;
};

class AlarmServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(/*memory=*/true); }

  void Open(bool memory) {
    svc_.reset();
    AlarmServiceOptions o;
    o.memory = memory;
    o.data_dir = dir_;
    o.clock = &clock_;
    o.metric_store = store_.get();
    o.action_urls[kTopic] = "http://127.0.0.1:9/hook";
    o.start_notifier = false;
    o.webhooks.post = [this](const Notification& n) {
      posts_.push_back(n);
      if (fail_posts_ > 0) {
        --fail_posts_;
        return Status(Errc::kUnavailable, "refused");
      }
      return Status::Ok();
    };
    auto s = AlarmService::Open(std::move(o));
    ASSERT_TRUE(s.ok()) << s.status().message();
    svc_ = std::move(s).value();
  }

  PutMetricAlarmRequest Request(const std::string& name = "errors") {
    PutMetricAlarmRequest r;
    r.alarm_name = name;
    r.metric_name = "Errors";
    r.ns = "App";
    r.statistic = "Maximum";
    r.period = 10;
    r.evaluation_periods = 1;
    r.threshold = 5;
    r.comparison_operator = "GreaterThanThreshold";
    r.alarm_actions = {kTopic};
    r.ok_actions = {kTopic};
    return r;
  }

  metrics::MetricId Metric() { return {"App", "Errors", {}}; }

  // Advances the clock by `ms`, ticking every second as the server does.
  void Run(int64_t ms) {
    for (int64_t t = 0; t < ms; t += 1000) {
      clock_.Advance(1000);
      ASSERT_TRUE(svc_->Tick().ok());
    }
  }

  AlarmState State(const std::string& name = "errors") { return svc_->GetAlarm(name)->state; }

  std::string dir_ = ::testing::TempDir() + "/alarm_service_test_" + std::to_string(::getpid());
  ManualClock clock_{kStart};
  SampleStore store_{&clock_};
  std::unique_ptr<AlarmService> svc_;
  std::vector<Notification> posts_;
  int fail_posts_ = 0;
};

TEST_F(AlarmServiceTest, NewAlarmStartsInsufficientDataAndGoesToAlarm) {
  ASSERT_TRUE(svc_->PutMetricAlarm(Request()).ok());
  auto a = svc_->GetAlarm("errors");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->state, AlarmState::kInsufficientData);
  EXPECT_EQ(a->state_reason, "Unchecked: Initial alarm creation");
  EXPECT_EQ(a->arn, "arn:aws:cloudwatch:us-east-1:000000000000:alarm:errors");

  store_.Put(Metric(), clock_.NowMillis() + 2000, 9);
  Run(10'000);
  EXPECT_EQ(State(), AlarmState::kAlarm);
  a = svc_->GetAlarm("errors");
  EXPECT_THAT(a->state_reason, HasSubstr("1 out of the last 1 datapoints [9.0"));
  EXPECT_FALSE(a->state_reason_data.empty());
  EXPECT_EQ(a->state_transitioned_ms, a->state_updated_ms);
}

TEST_F(AlarmServiceTest, EvaluatesAtPeriodBoundariesOnly) {
  ASSERT_TRUE(svc_->PutMetricAlarm(Request()).ok());
  Run(1000);  // first evaluation: no data yet
  EXPECT_EQ(State(), AlarmState::kInsufficientData);
  store_.Put(Metric(), kStart + 1500, 9);  // in the period [kStart, kStart+10s)
  Run(7000);                               // now kStart + 8 s: that period has not ended
  EXPECT_EQ(State(), AlarmState::kInsufficientData);
  Run(2000);  // kStart + 10 s: the boundary
  EXPECT_EQ(State(), AlarmState::kAlarm);
}

TEST_F(AlarmServiceTest, UpdateKeepsStateAndNotifiesOnTransitions) {
  ASSERT_TRUE(svc_->PutMetricAlarm(Request()).ok());
  store_.Put(Metric(), kStart + 1000, 9);
  Run(10'000);
  ASSERT_EQ(State(), AlarmState::kAlarm);
  PutMetricAlarmRequest r = Request();
  r.alarm_description = "now with a description";
  ASSERT_TRUE(svc_->PutMetricAlarm(r).ok());
  EXPECT_EQ(State(), AlarmState::kAlarm);

  svc_->notifier()->DeliverPendingForTest();
  ASSERT_EQ(posts_.size(), 1u);
  const Notification& n = posts_[0];
  EXPECT_EQ(n.url, "http://127.0.0.1:9/hook");
  simdjson::dom::parser p;
  simdjson::dom::element env;
  ASSERT_EQ(p.parse(n.body).get(env), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(env["Type"]), "Notification");
  EXPECT_EQ(std::string_view(env["TopicArn"]), kTopic);
  std::string message{std::string_view(env["Message"])};
  simdjson::dom::parser p2;
  simdjson::dom::element msg;
  ASSERT_EQ(p2.parse(message).get(msg), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(msg["AlarmName"]), "errors");
  EXPECT_EQ(std::string_view(msg["NewStateValue"]), "ALARM");
  EXPECT_EQ(std::string_view(msg["OldStateValue"]), "INSUFFICIENT_DATA");
  EXPECT_EQ(std::string_view(msg["Region"]), "US East (N. Virginia)");
  EXPECT_EQ(std::string_view(msg["Trigger"]["MetricName"]), "Errors");
  EXPECT_EQ(std::string_view(msg["Trigger"]["ComparisonOperator"]), "GreaterThanThreshold");

  // Back under the threshold: OK, and the OK action fires.
  store_.Put(Metric(), clock_.NowMillis() + 1000, 1);
  Run(10'000);
  EXPECT_EQ(State(), AlarmState::kOk);
  svc_->notifier()->DeliverPendingForTest();
  EXPECT_EQ(posts_.size(), 2u);
}

TEST_F(AlarmServiceTest, DisabledActionsDoNotNotify) {
  PutMetricAlarmRequest r = Request();
  r.actions_enabled = false;
  ASSERT_TRUE(svc_->PutMetricAlarm(r).ok());
  store_.Put(Metric(), kStart + 1000, 9);
  Run(10'000);
  EXPECT_EQ(State(), AlarmState::kAlarm);
  svc_->notifier()->DeliverPendingForTest();
  EXPECT_TRUE(posts_.empty());
  ASSERT_TRUE(svc_->SetActionsEnabled({"errors"}, true).ok());
  ASSERT_TRUE(svc_->SetAlarmState("errors", "OK", "manual", std::nullopt).ok());
  svc_->notifier()->DeliverPendingForTest();
  EXPECT_EQ(posts_.size(), 1u);
}

TEST_F(AlarmServiceTest, WebhookRetriesThenRecordsActionHistory) {
  fail_posts_ = 2;
  ASSERT_TRUE(svc_->PutMetricAlarm(Request()).ok());
  ASSERT_TRUE(svc_->SetAlarmState("errors", "ALARM", "testing", std::nullopt).ok());
  svc_->notifier()->DeliverPendingForTest();
  EXPECT_EQ(posts_.size(), 3u);  // two failures, then success
  WebhookStats st = svc_->notifier()->stats();
  EXPECT_EQ(st.delivered, 1u);
  EXPECT_EQ(st.retries, 2u);
  DescribeAlarmHistoryRequest hq;
  hq.history_item_type = "Action";
  DescribeAlarmHistoryPage page;
  ASSERT_TRUE(svc_->DescribeAlarmHistory(hq, &page).ok());
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_THAT(page.items[0].summary, HasSubstr("Successfully executed action"));
}

TEST_F(AlarmServiceTest, SetAlarmStateHoldsUntilNextEvaluation) {
  ASSERT_TRUE(svc_->PutMetricAlarm(Request()).ok());
  store_.Put(Metric(), kStart + 1000, 1);
  Run(10'000);
  ASSERT_EQ(State(), AlarmState::kOk);
  ASSERT_TRUE(svc_->SetAlarmState("errors", "ALARM", "drill", std::string(R"({"why":"drill"})")).ok());
  EXPECT_EQ(State(), AlarmState::kAlarm);
  EXPECT_EQ(svc_->GetAlarm("errors")->state_reason, "drill");
  store_.Put(Metric(), clock_.NowMillis() + 1000, 1);
  Run(5000);
  EXPECT_EQ(State(), AlarmState::kAlarm);  // no boundary yet
  Run(5000);
  EXPECT_EQ(State(), AlarmState::kOk);

  EXPECT_EQ(svc_->SetAlarmState("nope", "OK", "x", std::nullopt).kind, AlarmErrorKind::kResourceNotFound);
  EXPECT_EQ(svc_->SetAlarmState("errors", "BROKEN", "x", std::nullopt).kind, AlarmErrorKind::kInvalidParameterValue);
  EXPECT_EQ(svc_->SetAlarmState("errors", "OK", "x", std::string("{not json")).kind, AlarmErrorKind::kInvalidFormat);
}

TEST_F(AlarmServiceTest, DescribeAlarmsFiltersAndPages) {
  for (const char* n : {"a1", "a2", "b1"}) ASSERT_TRUE(svc_->PutMetricAlarm(Request(n)).ok());
  ASSERT_TRUE(svc_->SetAlarmState("a2", "ALARM", "x", std::nullopt).ok());
  DescribeAlarmsPage page;
  DescribeAlarmsRequest q;
  ASSERT_TRUE(svc_->DescribeAlarms(q, &page).ok());
  EXPECT_EQ(page.metric_alarms.size(), 3u);
  q.alarm_name_prefix = "a";
  ASSERT_TRUE(svc_->DescribeAlarms(q, &page).ok());
  EXPECT_EQ(page.metric_alarms.size(), 2u);
  q.state_value = "ALARM";
  ASSERT_TRUE(svc_->DescribeAlarms(q, &page).ok());
  ASSERT_EQ(page.metric_alarms.size(), 1u);
  EXPECT_EQ(page.metric_alarms[0].config.name, "a2");

  DescribeAlarmsRequest paged;
  paged.max_records = 2;
  ASSERT_TRUE(svc_->DescribeAlarms(paged, &page).ok());
  EXPECT_EQ(page.metric_alarms.size(), 2u);
  ASSERT_FALSE(page.next_token.empty());
  paged.next_token = page.next_token;
  ASSERT_TRUE(svc_->DescribeAlarms(paged, &page).ok());
  ASSERT_EQ(page.metric_alarms.size(), 1u);
  EXPECT_EQ(page.metric_alarms[0].config.name, "b1");
  EXPECT_TRUE(page.next_token.empty());

  paged.next_token = "garbage";
  EXPECT_EQ(svc_->DescribeAlarms(paged, &page).kind, AlarmErrorKind::kInvalidNextToken);
  DescribeAlarmsRequest both;
  both.alarm_names = {"a1"};
  both.alarm_name_prefix = "a";
  EXPECT_EQ(svc_->DescribeAlarms(both, &page).kind, AlarmErrorKind::kInvalidParameterCombination);
  DescribeAlarmsRequest composite;
  composite.alarm_types = {"CompositeAlarm"};
  ASSERT_TRUE(svc_->DescribeAlarms(composite, &page).ok());
  EXPECT_TRUE(page.metric_alarms.empty());
  DescribeAlarmsRequest by_action;
  by_action.action_prefix = "arn:aws:sns:us-east-1:000000000000:o";
  ASSERT_TRUE(svc_->DescribeAlarms(by_action, &page).ok());
  EXPECT_EQ(page.metric_alarms.size(), 3u);
}

TEST_F(AlarmServiceTest, DescribeAlarmsForMetric) {
  ASSERT_TRUE(svc_->PutMetricAlarm(Request("x")).ok());
  PutMetricAlarmRequest other = Request("y");
  other.metric_name = "Latency";
  ASSERT_TRUE(svc_->PutMetricAlarm(other).ok());
  DescribeAlarmsForMetricRequest q;
  q.metric_name = "Errors";
  q.ns = "App";
  std::vector<Alarm> out;
  ASSERT_TRUE(svc_->DescribeAlarmsForMetric(q, &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].config.name, "x");
  q.statistic = "Sum";
  ASSERT_TRUE(svc_->DescribeAlarmsForMetric(q, &out).ok());
  EXPECT_TRUE(out.empty());
}

TEST_F(AlarmServiceTest, DeleteAlarmsIsAllOrNothing) {
  ASSERT_TRUE(svc_->PutMetricAlarm(Request("a")).ok());
  ASSERT_TRUE(svc_->PutMetricAlarm(Request("b")).ok());
  EXPECT_EQ(svc_->DeleteAlarms({"a", "missing"}).kind, AlarmErrorKind::kResourceNotFound);
  EXPECT_EQ(svc_->alarm_count(), 2u);
  ASSERT_TRUE(svc_->DeleteAlarms({"a", "b"}).ok());
  EXPECT_EQ(svc_->alarm_count(), 0u);
}

TEST_F(AlarmServiceTest, Tags) {
  PutMetricAlarmRequest r = Request();
  r.tags = {{"team", "core"}};
  ASSERT_TRUE(svc_->PutMetricAlarm(r).ok());
  std::string arn = svc_->GetAlarm("errors")->arn;
  ASSERT_TRUE(svc_->TagResource(arn, {{"env", "prod"}, {"team", "infra"}}).ok());
  Tags tags;
  ASSERT_TRUE(svc_->ListTagsForResource(arn, &tags).ok());
  EXPECT_EQ(tags, (Tags{{"team", "infra"}, {"env", "prod"}}));
  ASSERT_TRUE(svc_->UntagResource(arn, {"team"}).ok());
  ASSERT_TRUE(svc_->ListTagsForResource(arn, &tags).ok());
  EXPECT_EQ(tags, (Tags{{"env", "prod"}}));
  // Tags given to an update are ignored.
  r.tags = {{"ignored", "yes"}};
  ASSERT_TRUE(svc_->PutMetricAlarm(r).ok());
  ASSERT_TRUE(svc_->ListTagsForResource(arn, &tags).ok());
  EXPECT_EQ(tags, (Tags{{"env", "prod"}}));
  EXPECT_EQ(svc_->ListTagsForResource("arn:aws:cloudwatch:us-east-1:000000000000:alarm:nope", &tags).kind,
            AlarmErrorKind::kResourceNotFoundTagging);
  EXPECT_EQ(svc_->ListTagsForResource("arn:aws:sns:us-east-1:000000000000:x", &tags).kind,
            AlarmErrorKind::kInvalidParameterValue);
}

TEST_F(AlarmServiceTest, HistoryFiltersOrderAndPages) {
  ASSERT_TRUE(svc_->PutMetricAlarm(Request()).ok());
  clock_.Advance(1000);
  ASSERT_TRUE(svc_->SetAlarmState("errors", "ALARM", "one", std::nullopt).ok());
  clock_.Advance(1000);
  ASSERT_TRUE(svc_->SetAlarmState("errors", "OK", "two", std::nullopt).ok());
  DescribeAlarmHistoryRequest q;
  q.alarm_name = "errors";
  DescribeAlarmHistoryPage page;
  ASSERT_TRUE(svc_->DescribeAlarmHistory(q, &page).ok());
  // ConfigurationUpdate, two StateUpdates and two Action items (no webhook configured for the
  // first... the topic is configured, but delivery is pending), newest first.
  ASSERT_GE(page.items.size(), 3u);
  EXPECT_EQ(page.items[0].type, HistoryType::kStateUpdate);
  EXPECT_EQ(page.items[0].summary, "Alarm updated from ALARM to OK");
  EXPECT_EQ(page.items.back().type, HistoryType::kConfigurationUpdate);
  simdjson::dom::parser p;
  simdjson::dom::element d;
  ASSERT_EQ(p.parse(page.items[0].data).get(d), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(d["newState"]["stateValue"]), "OK");
  EXPECT_EQ(std::string_view(d["oldState"]["stateReason"]), "one");

  q.scan_by = "TimestampAscending";
  q.max_records = 1;
  ASSERT_TRUE(svc_->DescribeAlarmHistory(q, &page).ok());
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].type, HistoryType::kConfigurationUpdate);
  ASSERT_FALSE(page.next_token.empty());
  q.next_token = page.next_token;
  ASSERT_TRUE(svc_->DescribeAlarmHistory(q, &page).ok());
  EXPECT_EQ(page.items[0].summary, "Alarm updated from INSUFFICIENT_DATA to ALARM");
  q.next_token = "h1.x";
  EXPECT_EQ(svc_->DescribeAlarmHistory(q, &page).kind, AlarmErrorKind::kInvalidNextToken);
  DescribeAlarmHistoryRequest window;
  window.start_ms = kStart + 1500;
  window.history_item_type = "StateUpdate";
  ASSERT_TRUE(svc_->DescribeAlarmHistory(window, &page).ok());
  ASSERT_EQ(page.items.size(), 1u);
}

TEST_F(AlarmServiceTest, HistoryIsBoundedPerAlarm) {
  AlarmServiceOptions o;
  o.memory = true;
  o.clock = &clock_;
  o.metric_store = store_.get();
  o.history_per_alarm = 5;
  o.start_notifier = false;
  auto svc = std::move(AlarmService::Open(std::move(o))).value();
  ASSERT_TRUE(svc->PutMetricAlarm(Request()).ok());
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(svc->SetAlarmState("errors", i % 2 ? "OK" : "ALARM", "flap", std::nullopt).ok());
  DescribeAlarmHistoryRequest q;
  DescribeAlarmHistoryPage page;
  ASSERT_TRUE(svc->DescribeAlarmHistory(q, &page).ok());
  EXPECT_EQ(page.items.size(), 5u);
}

TEST_F(AlarmServiceTest, SurvivesRestartOnDisk) {
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  Open(/*memory=*/false);
  PutMetricAlarmRequest r = Request();
  r.tags = {{"team", "core"}};
  r.datapoints_to_alarm = 1;
  r.treat_missing_data = "notBreaching";
  r.threshold = 2.5;
  ASSERT_TRUE(svc_->PutMetricAlarm(r).ok());
  ASSERT_TRUE(svc_->SetAlarmState("errors", "ALARM", "before restart", std::nullopt).ok());
  Alarm before = *svc_->GetAlarm("errors");
  Open(/*memory=*/false);
  auto after = svc_->GetAlarm("errors");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->config, before.config);
  EXPECT_EQ(after->state, AlarmState::kAlarm);
  EXPECT_EQ(after->state_reason, "before restart");
  EXPECT_EQ(after->tags, before.tags);
  EXPECT_EQ(after->arn, before.arn);
  DescribeAlarmHistoryRequest q;
  DescribeAlarmHistoryPage page;
  ASSERT_TRUE(svc_->DescribeAlarmHistory(q, &page).ok());
  EXPECT_GE(page.items.size(), 2u);
  ASSERT_TRUE(svc_->DeleteAlarms({"errors"}).ok());
  Open(/*memory=*/false);
  EXPECT_EQ(svc_->alarm_count(), 0u);
  std::filesystem::remove_all(dir_);
}

TEST_F(AlarmServiceTest, MathAlarmOnAMetricStat) {
  PutMetricAlarmRequest r;
  r.alarm_name = "math";
  r.evaluation_periods = 1;
  r.threshold = 5;
  r.comparison_operator = "GreaterThanOrEqualToThreshold";
  MetricQueryRequest q;
  q.id = "m1";
  q.has_metric_stat = true;
  q.metric_name = "Errors";
  q.ns = "App";
  q.stat_period = 10;
  q.stat = "Sum";
  r.metrics = {q};
  ASSERT_TRUE(svc_->PutMetricAlarm(r).ok());
  store_.Put(Metric(), kStart + 1000, 3);
  store_.Put(Metric(), kStart + 2000, 3);
  Run(10'000);
  EXPECT_EQ(State("math"), AlarmState::kAlarm);
  MetricQueryRequest e;
  e.id = "e1";
  e.expression = "m1 * 2";
  r.metrics[0].return_data = false;
  r.metrics.push_back(e);
  ASSERT_TRUE(svc_->PutMetricAlarm(r).ok());
  ASSERT_TRUE(svc_->SetAlarmState("math", "OK", "reset", std::nullopt).ok());
  store_.Put(Metric(), clock_.NowMillis() + 1000, 2);  // Sum 2, doubled: 4 < 5
  Run(10'000);
  EXPECT_EQ(State("math"), AlarmState::kOk);
  store_.Put(Metric(), clock_.NowMillis() + 1000, 3);  // 6 >= 5
  Run(10'000);
  EXPECT_EQ(State("math"), AlarmState::kAlarm);
  r.metrics[1].expression = "m2 * 2";  // unknown id
  EXPECT_EQ(svc_->PutMetricAlarm(r).kind, AlarmErrorKind::kInvalidParameterValue);
  r.metrics[1].expression = "m1 *";
  EXPECT_EQ(svc_->PutMetricAlarm(r).kind, AlarmErrorKind::kInvalidParameterValue);
}

}  // namespace
}  // namespace sluice::alarms
