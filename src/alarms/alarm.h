#pragma once
// A CloudWatch metric alarm as PutMetricAlarm defines it (the botocore model's
// PutMetricAlarmInput) plus the state the evaluator keeps for it (MetricAlarm in DescribeAlarms).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metrics/metric_id.h"

namespace sluice::alarms {

enum class AlarmState : uint8_t { kOk, kAlarm, kInsufficientData };
enum class Comparison : uint8_t { kGreaterOrEqual, kGreater, kLess, kLessOrEqual };
enum class MissingData : uint8_t { kMissing, kIgnore, kBreaching, kNotBreaching };

std::string_view StateName(AlarmState s);  // "OK", "ALARM", "INSUFFICIENT_DATA"
std::optional<AlarmState> ParseState(std::string_view s);
std::string_view ComparisonName(Comparison c);  // "GreaterThanOrEqualToThreshold", ...
std::optional<Comparison> ParseComparison(std::string_view s);
// "greater than or equal to", as state reasons word the operator.
std::string_view ComparisonWords(Comparison c);
bool Breaches(Comparison c, double value, double threshold);
std::string_view MissingDataName(MissingData m);  // "missing", "ignore", "breaching", "notBreaching"
std::optional<MissingData> ParseMissingData(std::string_view s);

// One metric with the statistic and period to read it at (MetricStat).
struct MetricStat {
  metrics::MetricId metric;
  int64_t period_s = 0;
  std::string stat;  // standard or extended statistic
  std::optional<metrics::Unit> unit;
  friend bool operator==(const MetricStat&, const MetricStat&) = default;
};

// One entry of a metric-math alarm's Metrics list (MetricDataQuery).
struct MetricQuery {
  std::string id;
  std::optional<MetricStat> metric_stat;  // exactly one of metric_stat and expression
  std::string expression;
  std::string label;
  bool return_data = true;
  std::optional<int64_t> period_s;  // for expressions
  std::string account_id;
  friend bool operator==(const MetricQuery&, const MetricQuery&) = default;
};

struct AlarmConfig {
  std::string name;
  std::string description;
  bool actions_enabled = true;
  std::vector<std::string> ok_actions;
  std::vector<std::string> alarm_actions;
  std::vector<std::string> insufficient_data_actions;
  // A single-metric alarm (empty metric_name for a metric-math alarm).
  std::string metric_name;
  std::string ns;
  std::vector<metrics::Dimension> dims;  // in request order, as DescribeAlarms echoes them
  std::string statistic;                 // standard statistic, or empty
  std::string extended_statistic;        // or an extended statistic
  int64_t period_s = 0;
  std::optional<metrics::Unit> unit;
  int evaluation_periods = 0;
  std::optional<int> datapoints_to_alarm;  // absent: same as evaluation_periods
  double threshold = 0;
  Comparison comparison = Comparison::kGreater;
  std::optional<MissingData> treat_missing_data;     // absent: missing
  std::string evaluate_low_sample_count_percentile;  // "", "evaluate" or "ignore"
  std::vector<MetricQuery> metrics;                  // a metric-math alarm

  int M() const { return datapoints_to_alarm.value_or(evaluation_periods); }
  MissingData missing() const { return treat_missing_data.value_or(MissingData::kMissing); }
  bool is_math() const { return !metrics.empty(); }
  // The period the alarm is evaluated at: Period, or the returned query's period.
  int64_t EvaluationPeriodSeconds() const;
  const std::string& StatisticOrExtended() const { return statistic.empty() ? extended_statistic : statistic; }
  friend bool operator==(const AlarmConfig&, const AlarmConfig&) = default;
};

using Tags = std::vector<std::pair<std::string, std::string>>;  // key order

struct Alarm {
  AlarmConfig config;
  std::string arn;
  AlarmState state = AlarmState::kInsufficientData;
  std::string state_reason;
  std::string state_reason_data;  // JSON text, empty until the first evaluation
  int64_t state_updated_ms = 0;
  int64_t state_transitioned_ms = 0;
  int64_t config_updated_ms = 0;
  Tags tags;
};

enum class HistoryType : uint8_t { kConfigurationUpdate, kStateUpdate, kAction };
std::string_view HistoryTypeName(HistoryType t);
std::optional<HistoryType> ParseHistoryType(std::string_view s);

struct HistoryItem {
  std::string alarm_name;
  int64_t timestamp_ms = 0;
  HistoryType type = HistoryType::kStateUpdate;
  std::string summary;
  std::string data;  // HistoryData JSON
};

// arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME
std::string AlarmArn(std::string_view region, std::string_view account, std::string_view name);
// The alarm name of an alarm ARN, or nullopt for any other ARN.
std::optional<std::string> AlarmNameFromArn(std::string_view arn);

// A double as Java's Double.toString writes it ("5.0", "0.25", "1.0E10"), the form CloudWatch
// uses in state reasons and reason data.
std::string JavaDouble(double v);
// "2022-11-08T11:26:05.399+0000", the timestamp form of reason data and notifications.
std::string ReasonTimestamp(int64_t ms);

}  // namespace sluice::alarms
