#include "alarms/alarm_request.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "metrics/stat_set.h"

namespace sluice::alarms {
namespace {

constexpr int64_t kOneDay = 86'400;
constexpr int64_t kSevenDays = 7 * kOneDay;
constexpr size_t kMaxActions = 5;
constexpr size_t kMaxDimensions = 30;
constexpr size_t kMaxTags = 50;
constexpr size_t kMaxMetricQueries = 10;

bool HasControlChars(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

AlarmError CheckActions(const std::vector<std::string>& actions, const char* member) {
  if (actions.size() > kMaxActions)
    return InvalidValue(std::string("The collection ") + member + " must not have a size greater than 5.");
  for (const std::string& a : actions)
    if (!a.starts_with("arn:")) return InvalidValue("Invalid arn syntax: " + a);
  return AlarmError::Ok();
}

AlarmError CheckDimensions(const std::vector<metrics::Dimension>& dims) {
  if (dims.size() > kMaxDimensions)
    return InvalidValue("The collection Dimensions must not have a size greater than 30.");
  std::set<std::string> names;
  for (const metrics::Dimension& d : dims) {
    if (d.name.empty() || d.name.size() > 255) return InvalidValue("The dimension name must be 1 to 255 characters.");
    if (d.value.empty() || d.value.size() > 1024)
      return InvalidValue("The dimension value must be 1 to 1024 characters.");
    if (!names.insert(d.name).second)
      return InvalidCombination("No Metric may specify the same dimension name twice: " + d.name);
  }
  return AlarmError::Ok();
}

AlarmError ParseUnitInto(const std::optional<std::string>& unit, std::optional<metrics::Unit>* out) {
  if (!unit) return AlarmError::Ok();
  auto u = metrics::ParseUnit(*unit);
  if (!u) return InvalidValue("The parameter Unit must be a valid StandardUnit, not '" + *unit + "'.");
  *out = *u;
  return AlarmError::Ok();
}

AlarmError CheckPeriod(int64_t period, const char* member) {
  if (!IsValidAlarmPeriod(period))
    return InvalidValue(std::string("The parameter ") + member + " must be 10, 20, 30 or a multiple of 60, not " +
                        std::to_string(period) + ".");
  return AlarmError::Ok();
}

AlarmError BuildQueries(const std::vector<MetricQueryRequest>& in, std::vector<MetricQuery>* out) {
  if (in.size() > kMaxMetricQueries)
    return InvalidValue("The collection Metrics must not have a size greater than 10.");
  std::set<std::string> ids;
  int returned = 0;
  for (const MetricQueryRequest& r : in) {
    MetricQuery q;
    if (!r.id || r.id->empty()) return MissingParam("The parameter Metrics.member.N.Id is required.");
    q.id = *r.id;
    if (!ids.insert(q.id).second) return InvalidValue("The value " + q.id + " for field Id is not unique.");
    if (!std::islower(static_cast<unsigned char>(q.id[0])) || !std::all_of(q.id.begin(), q.id.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
        }))
      return InvalidValue("The value " + q.id +
                          " for field Id must start with a lowercase letter and contain only letters, numbers and "
                          "underscores.");
    bool has_expr = r.expression.has_value();
    if (has_expr == r.has_metric_stat)
      return InvalidCombination("Exactly one of MetricStat and Expression must be specified for query " + q.id + ".");
    q.label = r.label.value_or("");
    q.return_data = r.return_data.value_or(true);
    q.account_id = r.account_id.value_or("");
    if (has_expr) {
      q.expression = *r.expression;
      if (q.expression.empty()) return InvalidValue("The Expression of query " + q.id + " must not be empty.");
      if (r.period) {
        SLUICE_ALARM_RETURN_IF_ERROR(CheckPeriod(*r.period, "Metrics.member.N.Period"));
        q.period_s = *r.period;
      }
    } else {
      MetricStat st;
      if (!r.metric_name || !r.ns)
        return MissingParam("The parameters MetricStat.Metric.MetricName and Namespace are required for query " + q.id +
                            ".");
      st.metric.name = *r.metric_name;
      st.metric.ns = *r.ns;
      SLUICE_ALARM_RETURN_IF_ERROR(CheckDimensions(r.dims));
      st.metric.dims = r.dims;
      st.metric.Normalize();
      if (!r.stat_period) return MissingParam("The parameter MetricStat.Period is required for query " + q.id + ".");
      SLUICE_ALARM_RETURN_IF_ERROR(CheckPeriod(*r.stat_period, "MetricStat.Period"));
      st.period_s = *r.stat_period;
      if (!r.stat) return MissingParam("The parameter MetricStat.Stat is required for query " + q.id + ".");
      if (!metrics::IsStandardStatistic(*r.stat) && !metrics::IsValidExtendedStatistic(*r.stat))
        return InvalidValue("The value " + *r.stat + " for parameter MetricStat.Stat is not supported.");
      st.stat = *r.stat;
      SLUICE_ALARM_RETURN_IF_ERROR(ParseUnitInto(r.unit, &st.unit));
      q.metric_stat = std::move(st);
    }
    if (q.return_data) ++returned;
    out->push_back(std::move(q));
  }
  if (returned != 1)
    return InvalidValue("Exactly one element of the metrics list should return data, not " + std::to_string(returned) +
                        ".");
  return AlarmError::Ok();
}

}  // namespace

bool IsValidAlarmPeriod(int64_t period_s) {
  return period_s == 10 || period_s == 20 || period_s == 30 || (period_s > 0 && period_s % 60 == 0);
}

AlarmError BuildAlarmConfig(const PutMetricAlarmRequest& req, AlarmConfig* out) {
  AlarmConfig c;
  if (!req.alarm_name) return MissingParam("The parameter AlarmName is required.");
  if (req.alarm_name->empty() || req.alarm_name->size() > 255 || HasControlChars(*req.alarm_name))
    return InvalidValue("The parameter AlarmName must be 1 to 255 characters without control characters.");
  c.name = *req.alarm_name;
  if (req.alarm_description) {
    if (req.alarm_description->size() > 1024)
      return InvalidValue("The parameter AlarmDescription must be at most 1024 characters.");
    c.description = *req.alarm_description;
  }
  c.actions_enabled = req.actions_enabled.value_or(true);
  SLUICE_ALARM_RETURN_IF_ERROR(CheckActions(req.ok_actions, "OKActions"));
  SLUICE_ALARM_RETURN_IF_ERROR(CheckActions(req.alarm_actions, "AlarmActions"));
  SLUICE_ALARM_RETURN_IF_ERROR(CheckActions(req.insufficient_data_actions, "InsufficientDataActions"));
  c.ok_actions = req.ok_actions;
  c.alarm_actions = req.alarm_actions;
  c.insufficient_data_actions = req.insufficient_data_actions;
  if (req.tags.size() > kMaxTags) return InvalidValue("An alarm can have at most 50 tags.");

  if (req.has_evaluation_criteria || req.evaluation_interval)
    return InvalidValue("EvaluationCriteria (PromQL alarms) are not supported; use MetricName or Metrics.");
  if (req.threshold_metric_id)
    return InvalidValue("ThresholdMetricId (anomaly detection alarms) is not supported; use a static Threshold.");

  if (!req.comparison_operator) return MissingParam("The parameter ComparisonOperator is required.");
  auto cmp = ParseComparison(*req.comparison_operator);
  if (!cmp) {
    if (req.comparison_operator->find("Upper") != std::string::npos ||
        req.comparison_operator->find("Lower") != std::string::npos)
      return InvalidValue("ComparisonOperator " + *req.comparison_operator +
                          " is only for anomaly detection alarms, which are not supported; use one of "
                          "GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, "
                          "LessThanOrEqualToThreshold.");
    return InvalidValue(
        "The parameter ComparisonOperator must be one of GreaterThanOrEqualToThreshold, "
        "GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold.");
  }
  c.comparison = *cmp;
  if (!req.threshold) return MissingParam("The parameter Threshold is required.");
  c.threshold = *req.threshold;

  if (!req.evaluation_periods) return MissingParam("The parameter EvaluationPeriods is required.");
  if (*req.evaluation_periods < 1) return InvalidValue("The parameter EvaluationPeriods must be at least 1.");
  c.evaluation_periods = static_cast<int>(std::min<int64_t>(*req.evaluation_periods, kSevenDays));
  if (req.datapoints_to_alarm) {
    if (*req.datapoints_to_alarm < 1) return InvalidValue("The parameter DatapointsToAlarm must be at least 1.");
    if (*req.datapoints_to_alarm > *req.evaluation_periods)
      return InvalidValue("DatapointsToAlarm (" + std::to_string(*req.datapoints_to_alarm) +
                          ") must be less than or equal to EvaluationPeriods (" +
                          std::to_string(*req.evaluation_periods) + ").");
    c.datapoints_to_alarm = static_cast<int>(*req.datapoints_to_alarm);
  }
  if (req.treat_missing_data) {
    auto m = ParseMissingData(*req.treat_missing_data);
    if (!m)
      return InvalidValue("The parameter TreatMissingData must be one of breaching, notBreaching, ignore, missing.");
    c.treat_missing_data = *m;
  }
  if (req.evaluate_low_sample_count_percentile) {
    const std::string& e = *req.evaluate_low_sample_count_percentile;
    if (e != "evaluate" && e != "ignore")
      return InvalidValue("The parameter EvaluateLowSampleCountPercentile must be evaluate or ignore.");
    c.evaluate_low_sample_count_percentile = e;
  }

  bool single = req.metric_name || req.ns || req.statistic || req.extended_statistic || !req.dims.empty() ||
                req.period || req.unit;
  if (!req.metrics.empty()) {
    if (single)
      return InvalidCombination(
          "The parameters MetricName, Namespace, Dimensions, Period, Unit, Statistic and ExtendedStatistic cannot be "
          "used together with Metrics.");
    SLUICE_ALARM_RETURN_IF_ERROR(BuildQueries(req.metrics, &c.metrics));
  } else {
    if (!req.metric_name) return MissingParam("The parameter MetricName is required (or Metrics).");
    if (req.metric_name->empty() || req.metric_name->size() > 255)
      return InvalidValue("The parameter MetricName must be 1 to 255 characters.");
    if (!req.ns) return MissingParam("The parameter Namespace is required.");
    if (req.ns->empty() || req.ns->size() > 255 || (*req.ns)[0] == ':')
      return InvalidValue("The parameter Namespace must be 1 to 255 characters and not start with ':'.");
    c.metric_name = *req.metric_name;
    c.ns = *req.ns;
    if (req.statistic.has_value() == req.extended_statistic.has_value())
      return InvalidCombination("Exactly one of Statistic and ExtendedStatistic must be specified.");
    if (req.statistic) {
      if (!metrics::IsStandardStatistic(*req.statistic))
        return InvalidValue("The parameter Statistic must be one of SampleCount, Average, Sum, Minimum, Maximum.");
      c.statistic = *req.statistic;
    } else {
      if (!metrics::IsValidExtendedStatistic(*req.extended_statistic))
        return InvalidValue("The value " + *req.extended_statistic +
                            " for parameter ExtendedStatistic is not supported.");
      c.extended_statistic = *req.extended_statistic;
    }
    SLUICE_ALARM_RETURN_IF_ERROR(CheckDimensions(req.dims));
    c.dims = req.dims;
    if (!req.period) return MissingParam("The parameter Period is required.");
    SLUICE_ALARM_RETURN_IF_ERROR(CheckPeriod(*req.period, "Period"));
    c.period_s = *req.period;
    SLUICE_ALARM_RETURN_IF_ERROR(ParseUnitInto(req.unit, &c.unit));
  }
  // The evaluation range: Period x EvaluationPeriods up to one day, or seven days for periods of
  // an hour or more.
  int64_t period = c.EvaluationPeriodSeconds();
  if (period <= 0) return InvalidValue("The metric-math alarm's returned expression has no period.");
  int64_t range = period * c.evaluation_periods;
  int64_t limit = period >= 3600 ? kSevenDays : kOneDay;
  if (range > limit)
    return InvalidValue("The evaluation period (Period x EvaluationPeriods = " + std::to_string(range) +
                        " seconds) must not exceed " + (period >= 3600 ? "7 days" : "1 day") + ".");
  *out = std::move(c);
  return AlarmError::Ok();
}

}  // namespace sluice::alarms
