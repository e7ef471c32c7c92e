#pragma once
// PutMetricAlarm's input as the wire delivered it (strings not yet checked against their enums),
// and its validation into an AlarmConfig with the errors CloudWatch answers.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "alarms/alarm.h"
#include "alarms/alarm_error.h"

namespace sluice::alarms {

struct MetricQueryRequest {
  std::optional<std::string> id;
  std::optional<std::string> expression;
  std::optional<std::string> label;
  std::optional<bool> return_data;
  std::optional<int64_t> period;  // of an expression
  std::optional<std::string> account_id;
  // MetricStat
  bool has_metric_stat = false;
  std::optional<std::string> metric_name;
  std::optional<std::string> ns;
  std::vector<metrics::Dimension> dims;
  std::optional<int64_t> stat_period;
  std::optional<std::string> stat;
  std::optional<std::string> unit;
};

struct PutMetricAlarmRequest {
  std::optional<std::string> alarm_name;
  std::optional<std::string> alarm_description;
  std::optional<bool> actions_enabled;
  std::vector<std::string> ok_actions;
  std::vector<std::string> alarm_actions;
  std::vector<std::string> insufficient_data_actions;
  std::optional<std::string> metric_name;
  std::optional<std::string> ns;
  std::optional<std::string> statistic;
  std::optional<std::string> extended_statistic;
  std::vector<metrics::Dimension> dims;
  std::optional<int64_t> period;
  std::optional<std::string> unit;
  std::optional<int64_t> evaluation_periods;
  std::optional<int64_t> datapoints_to_alarm;
  std::optional<double> threshold;
  std::optional<std::string> comparison_operator;
  std::optional<std::string> treat_missing_data;
  std::optional<std::string> evaluate_low_sample_count_percentile;
  std::vector<MetricQueryRequest> metrics;
  Tags tags;
  std::optional<std::string> threshold_metric_id;
  bool has_evaluation_criteria = false;  // PromQL alarms: not evaluated here
  std::optional<int64_t> evaluation_interval;
};

// Checks the request as CloudWatch does and builds the alarm's configuration; `out` is
// untouched on error.
AlarmError BuildAlarmConfig(const PutMetricAlarmRequest& req, AlarmConfig* out);

// Period is 10, 20, 30 or a multiple of 60.
bool IsValidAlarmPeriod(int64_t period_s);

}  // namespace sluice::alarms
