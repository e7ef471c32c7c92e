#include "alarms/alarm_store.h"
#include "alarms/webhook_notifier.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace sluice::alarms {
namespace {

Alarm Sample() {
  Alarm a;
  a.config.name = "n\"ame";
  a.config.description = "d";
  a.config.actions_enabled = false;
  a.config.alarm_actions = {"arn:aws:sns:us-east-1:000000000000:t"};
  a.config.metric_name = "Errors";
  a.config.ns = "App";
  a.config.dims = {{"B", "2"}, {"A", "1"}};
  a.config.extended_statistic = "p99.9";
  a.config.period_s = 60;
  a.config.unit = metrics::Unit::kMilliseconds;
  a.config.evaluation_periods = 5;
  a.config.datapoints_to_alarm = 3;
  a.config.threshold = 0.1;
  a.config.comparison = Comparison::kLessOrEqual;
  a.config.treat_missing_data = MissingData::kIgnore;
  a.config.evaluate_low_sample_count_percentile = "ignore";
  MetricQuery q;
  q.id = "m1";
  q.metric_stat = MetricStat{{"App", "Errors", {{"A", "1"}}}, 60, "Sum", metrics::Unit::kCount};
  q.return_data = false;
  a.config.metrics = {q};
  a.arn = "arn:aws:cloudwatch:us-east-1:000000000000:alarm:n\"ame";
  a.state = AlarmState::kOk;
  a.state_reason = "r";
  a.state_reason_data = "{\"version\":\"1.0\"}";
  a.state_updated_ms = 1;
  a.state_transitioned_ms = 2;
  a.config_updated_ms = 3;
  a.tags = {{"k", "v"}};
  return a;
}

TEST(AlarmCodec, RoundTrip) {
  Alarm a = Sample();
  auto b = DecodeAlarm(EncodeAlarm(a));
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(b->config, a.config);
  EXPECT_EQ(b->arn, a.arn);
  EXPECT_EQ(b->state, a.state);
  EXPECT_EQ(b->state_reason_data, a.state_reason_data);
  EXPECT_EQ(b->state_transitioned_ms, 2);
  EXPECT_EQ(b->tags, a.tags);
  EXPECT_FALSE(DecodeAlarm("{").ok());
}

TEST(SqliteAlarmStore, PersistsAlarmsAndPrunesHistory) {
  std::string dir = ::testing::TempDir() + "/alarm_store_test_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  std::string path = dir + "/alarms.db";
  {
    auto s = OpenSqliteAlarmStore(path);
    ASSERT_TRUE(s.ok()) << s.status().message();
    ASSERT_TRUE((*s)->PutAlarm(Sample()).ok());
    for (int i = 0; i < 10; ++i)
      ASSERT_TRUE((*s)->AppendHistory({"x", 1000 + i, HistoryType::kStateUpdate, "s" + std::to_string(i), "{}"}).ok());
    ASSERT_TRUE((*s)->AppendHistory({"y", 5, HistoryType::kAction, "old", "{}"}).ok());
    ASSERT_TRUE((*s)->PruneHistory(/*before_ms=*/100, /*per_alarm=*/4).ok());
  }
  auto s = OpenSqliteAlarmStore(path);
  ASSERT_TRUE(s.ok());
  auto alarms = (*s)->LoadAlarms();
  ASSERT_TRUE(alarms.ok());
  ASSERT_EQ(alarms->size(), 1u);
  EXPECT_EQ((*alarms)[0].config, Sample().config);
  auto history = (*s)->LoadHistory();
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 4u);
  EXPECT_EQ((*history)[0].summary, "s6");
  EXPECT_EQ((*history)[3].summary, "s9");
  ASSERT_TRUE((*s)->DeleteAlarm("n\"ame").ok());
  EXPECT_TRUE((*s)->LoadAlarms()->empty());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sluice::alarms

namespace sluice::alarms {
namespace {

TEST(WebhookNotifier, FullQueueDropsAndCounts) {
  WebhookOptions o;
  o.queue_capacity = 2;
  o.max_attempts = 3;
  int calls = 0;
  o.post = [&calls](const Notification&) {
    ++calls;
    return Status(Errc::kUnavailable, "down");
  };
  std::vector<std::string> outcomes;
  o.on_done = [&outcomes](const Notification& n, const Status& s) {
    outcomes.push_back(n.alarm_name + ":" + (s.ok() ? "ok" : "failed"));
  };
  WebhookNotifier w(o);  // not started: the test delivers
  EXPECT_TRUE(w.Enqueue({"a", "arn:x", "http://127.0.0.1:1/", {}, "{}"}));
  EXPECT_TRUE(w.Enqueue({"b", "arn:x", "http://127.0.0.1:1/", {}, "{}"}));
  EXPECT_FALSE(w.Enqueue({"c", "arn:x", "http://127.0.0.1:1/", {}, "{}"}));
  w.DeliverPendingForTest();
  WebhookStats st = w.stats();
  EXPECT_EQ(st.enqueued, 2u);
  EXPECT_EQ(st.dropped, 1u);
  EXPECT_EQ(st.failed, 2u);
  EXPECT_EQ(st.retries, 4u);
  EXPECT_EQ(calls, 6);
  EXPECT_EQ(outcomes, (std::vector<std::string>{"a:failed", "b:failed"}));
}

TEST(HttpPost, ParsesHttpUrls) {
  auto t = ParseHttpUrl("http://hooks.local:8080/a/b?x=1");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->host, "hooks.local");
  EXPECT_EQ(t->port, "8080");
  EXPECT_EQ(t->path, "/a/b?x=1");
  t = ParseHttpUrl("http://127.0.0.1");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->port, "80");
  EXPECT_EQ(t->path, "/");
  EXPECT_FALSE(ParseHttpUrl("https://x/").ok());
  EXPECT_FALSE(ParseHttpUrl("http://:80/").ok());
  EXPECT_FALSE(ParseHttpUrl("http://x:port/").ok());
}

TEST(HttpPost, ConnectionRefusedIsUnavailable) {
  // Port 1 on loopback: nothing listens there.
  Status s = HttpPost("http://127.0.0.1:1/", {}, "{}", std::chrono::milliseconds(2000));
  EXPECT_EQ(s.code(), Errc::kUnavailable);
}

}  // namespace
}  // namespace sluice::alarms
