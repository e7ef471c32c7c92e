#include "cloudwatch/handlers/alarm_common.h"

#include "cloudwatch/handlers/common.h"

namespace sluice::cloudwatch {
namespace {

using alarms::AlarmErrorKind;

Value Strings(const std::vector<std::string>& v) {
  Value l = Value::List();
  for (const auto& s : v) l.Append(Value::String(s));
  return l;
}

Value Dims(const std::vector<metrics::Dimension>& dims) {
  Value l = Value::List();
  for (const auto& d : dims) {
    Value dv = Value::Struct();
    dv.Set("Name", Value::String(d.name));
    dv.Set("Value", Value::String(d.value));
    l.Append(std::move(dv));
  }
  return l;
}

Value QueryToValue(const alarms::MetricQuery& q) {
  Value v = Value::Struct();
  v.Set("Id", Value::String(q.id));
  if (q.metric_stat) {
    Value st = Value::Struct();
    Value m = Value::Struct();
    m.Set("Namespace", Value::String(q.metric_stat->metric.ns));
    m.Set("MetricName", Value::String(q.metric_stat->metric.name));
    m.Set("Dimensions", Dims(q.metric_stat->metric.dims));
    st.Set("Metric", std::move(m));
    st.Set("Period", Value::Int(q.metric_stat->period_s));
    st.Set("Stat", Value::String(q.metric_stat->stat));
    if (q.metric_stat->unit) st.Set("Unit", Value::String(std::string(metrics::UnitName(*q.metric_stat->unit))));
    v.Set("MetricStat", std::move(st));
  }
  if (!q.expression.empty()) v.Set("Expression", Value::String(q.expression));
  if (!q.label.empty()) v.Set("Label", Value::String(q.label));
  v.Set("ReturnData", Value::Bool(q.return_data));
  if (q.period_s) v.Set("Period", Value::Int(*q.period_s));
  if (!q.account_id.empty()) v.Set("AccountId", Value::String(q.account_id));
  return v;
}

}  // namespace

ApiError FromAlarmError(const alarms::AlarmError& e) {
  switch (e.kind) {
    case AlarmErrorKind::kNone: return {};
    case AlarmErrorKind::kInvalidParameterValue: return ApiError::InvalidValue(e.message);
    case AlarmErrorKind::kInvalidParameterCombination: return ApiError::Combination(e.message);
    case AlarmErrorKind::kMissingParameter: return ApiError::Missing(e.message);
    case AlarmErrorKind::kResourceNotFound: return {ErrorCode::kResourceNotFound, e.message};
    case AlarmErrorKind::kResourceNotFoundTagging: return {ErrorCode::kResourceNotFoundException, e.message};
    case AlarmErrorKind::kInvalidNextToken: return {ErrorCode::kInvalidNextToken, e.message};
    case AlarmErrorKind::kInvalidFormat: return {ErrorCode::kInvalidFormat, e.message};
    case AlarmErrorKind::kLimitExceeded: return {ErrorCode::kLimitExceeded, e.message};
    case AlarmErrorKind::kInternal: return ApiError::Internal(e.message);
  }
  return ApiError::Internal(e.message);
}

ApiError AlarmServiceOf(const HandlerContext& ctx, alarms::AlarmService** out) {
  *out = ctx.services.alarms;
  if (*out == nullptr) return ApiError::Internal("Alarms are not available on this server.");
  return {};
}

Value AlarmToValue(const alarms::Alarm& a) {
  const alarms::AlarmConfig& c = a.config;
  Value v = Value::Struct();
  v.Set("AlarmName", Value::String(c.name));
  v.Set("AlarmArn", Value::String(a.arn));
  if (!c.description.empty()) v.Set("AlarmDescription", Value::String(c.description));
  v.Set("AlarmConfigurationUpdatedTimestamp", Value::TimestampMs(a.config_updated_ms));
  v.Set("ActionsEnabled", Value::Bool(c.actions_enabled));
  v.Set("OKActions", Strings(c.ok_actions));
  v.Set("AlarmActions", Strings(c.alarm_actions));
  v.Set("InsufficientDataActions", Strings(c.insufficient_data_actions));
  v.Set("StateValue", Value::String(std::string(alarms::StateName(a.state))));
  v.Set("StateReason", Value::String(a.state_reason));
  if (!a.state_reason_data.empty()) v.Set("StateReasonData", Value::String(a.state_reason_data));
  v.Set("StateUpdatedTimestamp", Value::TimestampMs(a.state_updated_ms));
  if (!c.is_math()) {
    v.Set("MetricName", Value::String(c.metric_name));
    v.Set("Namespace", Value::String(c.ns));
    if (!c.statistic.empty()) v.Set("Statistic", Value::String(c.statistic));
    if (!c.extended_statistic.empty()) v.Set("ExtendedStatistic", Value::String(c.extended_statistic));
    v.Set("Dimensions", Dims(c.dims));
    v.Set("Period", Value::Int(c.period_s));
    if (c.unit) v.Set("Unit", Value::String(std::string(metrics::UnitName(*c.unit))));
  }
  v.Set("EvaluationPeriods", Value::Int(c.evaluation_periods));
  if (c.datapoints_to_alarm) v.Set("DatapointsToAlarm", Value::Int(*c.datapoints_to_alarm));
  v.Set("Threshold", Value::Double(c.threshold));
  v.Set("ComparisonOperator", Value::String(std::string(alarms::ComparisonName(c.comparison))));
  if (c.treat_missing_data)
    v.Set("TreatMissingData", Value::String(std::string(alarms::MissingDataName(*c.treat_missing_data))));
  if (!c.evaluate_low_sample_count_percentile.empty())
    v.Set("EvaluateLowSampleCountPercentile", Value::String(c.evaluate_low_sample_count_percentile));
  if (c.is_math()) {
    Value qs = Value::List();
    for (const auto& q : c.metrics) qs.Append(QueryToValue(q));
    v.Set("Metrics", std::move(qs));
  }
  v.Set("StateTransitionedTimestamp", Value::TimestampMs(a.state_transitioned_ms));
  return v;
}

Value HistoryItemToValue(const alarms::HistoryItem& h) {
  Value v = Value::Struct();
  v.Set("AlarmName", Value::String(h.alarm_name));
  v.Set("AlarmType", Value::String("MetricAlarm"));
  v.Set("Timestamp", Value::TimestampMs(h.timestamp_ms));
  v.Set("HistoryItemType", Value::String(std::string(alarms::HistoryTypeName(h.type))));
  v.Set("HistorySummary", Value::String(h.summary));
  v.Set("HistoryData", Value::String(h.data));
  return v;
}

std::vector<metrics::Dimension> DimensionsOf(const Value& v, std::string_view member) {
  std::vector<metrics::Dimension> out;
  for (const Value& d : ListOf(v, member))
    out.push_back({std::string(StringOr(d, "Name")), std::string(StringOr(d, "Value"))});
  return out;
}

std::vector<std::string> StringsOf(const Value& v, std::string_view member) {
  std::vector<std::string> out;
  for (const Value& s : ListOf(v, member)) out.push_back(s.string_value());
  return out;
}

std::optional<std::string> OptString(const Value& v, std::string_view member) {
  const Value* m = v.Find(member);
  if (m == nullptr) return std::nullopt;
  return m->string_value();
}

}  // namespace sluice::cloudwatch
