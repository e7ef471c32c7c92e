#pragma once
// The alarm engine behind the CloudWatch alarm operations: holds every alarm in memory (written
// through to the AlarmStore), evaluates each one at each of its period boundaries from the
// MetricStore, records history, and hands transitions to the webhook notifier.
//
//   AlarmService::Open(options) -> Start() -> Tick() every second -> Stop()
//
// History is bounded: items older than `history_retention_ms` (30 days) and beyond the newest
// `history_per_alarm` (1000) of an alarm are dropped, in memory at once and on disk by Tick.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alarms/alarm.h"
#include "alarms/alarm_error.h"
#include "alarms/alarm_request.h"
#include "alarms/alarm_store.h"
#include "alarms/evaluation.h"
#include "alarms/webhook_notifier.h"
#include "base/clock.h"
#include "base/mutex.h"
#include "base/status.h"
#include "base/thread_annotations.h"
#include "metrics/metric_store.h"

namespace sluice::alarms {

// Values of a metric-math alarm's returned expression, one per period of [start_ms, end_ms)
// (oldest first, nullopt for a period without a value). Provided by the CloudWatch layer.
using MathEvaluator = std::function<Result<std::vector<std::optional<double>>>(
    const std::vector<MetricQuery>& queries, int64_t start_ms, int64_t end_ms, int64_t period_s)>;

struct AlarmServiceOptions {
  std::string data_dir;  // alarms.db lives here unless `memory`
  bool memory = false;
  const Clock* clock = nullptr;
  metrics::MetricStore* metric_store = nullptr;
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  std::map<std::string, std::string> action_urls;  // action ARN -> webhook URL
  MathEvaluator math;                              // null: alarm_math.h over metric_store
  int64_t history_retention_ms = 30LL * 86400 * 1000;
  size_t history_per_alarm = 1000;
  WebhookOptions webhooks;
  bool start_notifier = true;  // false: tests deliver with notifier()->DeliverPendingForTest()
};

struct DescribeAlarmsRequest {
  std::vector<std::string> alarm_names;
  std::optional<std::string> alarm_name_prefix;
  std::optional<std::string> state_value;
  std::optional<std::string> action_prefix;
  std::vector<std::string> alarm_types;  // MetricAlarm, CompositeAlarm
  std::optional<int64_t> max_records;
  std::optional<std::string> next_token;
};
struct DescribeAlarmsPage {
  std::vector<Alarm> metric_alarms;
  std::string next_token;
};

struct DescribeAlarmsForMetricRequest {
  std::optional<std::string> metric_name;
  std::optional<std::string> ns;
  std::optional<std::string> statistic;
  std::optional<std::string> extended_statistic;
  std::vector<metrics::Dimension> dims;
  std::optional<int64_t> period;
  std::optional<std::string> unit;
};

struct DescribeAlarmHistoryRequest {
  std::optional<std::string> alarm_name;
  std::vector<std::string> alarm_types;
  std::optional<std::string> history_item_type;
  std::optional<int64_t> start_ms;
  std::optional<int64_t> end_ms;
  std::optional<int64_t> max_records;
  std::optional<std::string> next_token;
  std::optional<std::string> scan_by;  // TimestampDescending (default) or TimestampAscending
};
struct DescribeAlarmHistoryPage {
  std::vector<HistoryItem> items;
  std::string next_token;
};

class AlarmService {
 public:
  static Result<std::unique_ptr<AlarmService>> Open(AlarmServiceOptions options);
  ~AlarmService();

  void Start();
  // Evaluates every alarm that has reached a period boundary; prunes history now and then.
  Status Tick() EXCLUDES(mu_);
  void Stop();

  AlarmError PutMetricAlarm(const PutMetricAlarmRequest& req) EXCLUDES(mu_);
  AlarmError DescribeAlarms(const DescribeAlarmsRequest& req, DescribeAlarmsPage* out) const EXCLUDES(mu_);
  AlarmError DescribeAlarmsForMetric(const DescribeAlarmsForMetricRequest& req, std::vector<Alarm>* out) const
      EXCLUDES(mu_);
  AlarmError DescribeAlarmHistory(const DescribeAlarmHistoryRequest& req, DescribeAlarmHistoryPage* out) const
      EXCLUDES(mu_);
  AlarmError DeleteAlarms(const std::vector<std::string>& names) EXCLUDES(mu_);
  AlarmError SetAlarmState(const std::string& name, const std::string& state, const std::string& reason,
                           const std::optional<std::string>& reason_data) EXCLUDES(mu_);
  AlarmError SetActionsEnabled(const std::vector<std::string>& names, bool enabled) EXCLUDES(mu_);
  AlarmError TagResource(const std::string& arn, const Tags& tags) EXCLUDES(mu_);
  AlarmError UntagResource(const std::string& arn, const std::vector<std::string>& keys) EXCLUDES(mu_);
  AlarmError ListTagsForResource(const std::string& arn, Tags* out) const EXCLUDES(mu_);

  std::optional<Alarm> GetAlarm(const std::string& name) const EXCLUDES(mu_);
  size_t alarm_count() const EXCLUDES(mu_);
  WebhookNotifier* notifier() { return notifier_.get(); }
  const std::string& region() const { return options_.region; }
  const std::string& account_id() const { return options_.account_id; }

 private:
  struct Entry {
    Alarm alarm;
    int64_t next_eval_ms = 0;
    uint64_t generation = 0;  // bumped by every configuration change
  };
  struct Due {
    AlarmConfig config;
    AlarmState state;
    uint64_t generation;
    int64_t end_ms;
  };

  explicit AlarmService(AlarmServiceOptions options, std::unique_ptr<AlarmStore> store);
  Status Load() EXCLUDES(mu_);

  // The evaluation range's values for one alarm (no lock held: reads the metric store).
  Result<std::vector<PeriodValue>> ReadRange(const AlarmConfig& c, int64_t end_ms, int periods) const;
  // Moves the alarm to `to`, recording history and notifying; `reason_data` may be empty.
  void ChangeState(Entry& e, AlarmState to, std::string reason, std::string reason_data, int64_t now_ms) REQUIRES(mu_);
  void AddHistory(HistoryItem item) REQUIRES(mu_);
  void Persist(const Alarm& a) REQUIRES(mu_);
  void OnActionDone(const Notification& n, const Status& s) EXCLUDES(mu_);
  std::optional<std::string> ResolveTagArn(const std::string& arn, AlarmError* err) const REQUIRES(mu_);

  AlarmServiceOptions options_;
  std::unique_ptr<AlarmStore> store_;
  std::unique_ptr<WebhookNotifier> notifier_;
  mutable Mutex mu_;
  std::map<std::string, Entry> alarms_ GUARDED_BY(mu_);
  std::vector<HistoryItem> history_ GUARDED_BY(mu_);  // oldest first
  uint64_t next_generation_ GUARDED_BY(mu_) = 1;
  int64_t last_prune_ms_ GUARDED_BY(mu_) = 0;
};

}  // namespace sluice::alarms
