// PutMetricAlarm: creates an alarm (INSUFFICIENT_DATA) or updates one (keeping its state).
#include "cloudwatch/handlers/alarm_common.h"
#include "cloudwatch/handlers/common.h"
#include "cloudwatch/handlers/handlers.h"

namespace sluice::cloudwatch {
namespace {

std::optional<int64_t> OptInt(const Value& v, std::string_view member) {
  const Value* m = v.Find(member);
  if (m == nullptr) return std::nullopt;
  return m->int_value();
}

alarms::MetricQueryRequest ReadQuery(const Value& q) {
  alarms::MetricQueryRequest r;
  r.id = OptString(q, "Id");
  r.expression = OptString(q, "Expression");
  r.label = OptString(q, "Label");
  if (const Value* rd = q.Find("ReturnData")) r.return_data = rd->bool_value();
  r.period = OptInt(q, "Period");
  r.account_id = OptString(q, "AccountId");
  if (const Value* st = q.Find("MetricStat")) {
    r.has_metric_stat = true;
    if (const Value* m = st->Find("Metric")) {
      r.metric_name = OptString(*m, "MetricName");
      r.ns = OptString(*m, "Namespace");
      r.dims = DimensionsOf(*m);
    }
    r.stat_period = OptInt(*st, "Period");
    r.stat = OptString(*st, "Stat");
    r.unit = OptString(*st, "Unit");
  }
  return r;
}

}  // namespace

ApiError HandlePutMetricAlarm(const HandlerContext& ctx, const Value& input, Value* /*output*/) {
  alarms::AlarmService* svc;
  SLUICE_CW_RETURN_IF_ERROR(AlarmServiceOf(ctx, &svc));
  alarms::PutMetricAlarmRequest r;
  r.alarm_name = OptString(input, "AlarmName");
  r.alarm_description = OptString(input, "AlarmDescription");
  if (const Value* ae = input.Find("ActionsEnabled")) r.actions_enabled = ae->bool_value();
  r.ok_actions = StringsOf(input, "OKActions");
  r.alarm_actions = StringsOf(input, "AlarmActions");
  r.insufficient_data_actions = StringsOf(input, "InsufficientDataActions");
  r.metric_name = OptString(input, "MetricName");
  r.ns = OptString(input, "Namespace");
  r.statistic = OptString(input, "Statistic");
  r.extended_statistic = OptString(input, "ExtendedStatistic");
  r.dims = DimensionsOf(input);
  r.period = OptInt(input, "Period");
  r.unit = OptString(input, "Unit");
  r.evaluation_periods = OptInt(input, "EvaluationPeriods");
  r.datapoints_to_alarm = OptInt(input, "DatapointsToAlarm");
  if (const Value* t = input.Find("Threshold")) r.threshold = t->double_value();
  r.comparison_operator = OptString(input, "ComparisonOperator");
  r.treat_missing_data = OptString(input, "TreatMissingData");
  r.evaluate_low_sample_count_percentile = OptString(input, "EvaluateLowSampleCountPercentile");
  for (const Value& q : ListOf(input, "Metrics")) r.metrics.push_back(ReadQuery(q));
  for (const Value& t : ListOf(input, "Tags"))
    r.tags.emplace_back(std::string(StringOr(t, "Key")), std::string(StringOr(t, "Value")));
  r.threshold_metric_id = OptString(input, "ThresholdMetricId");
  r.has_evaluation_criteria = input.Find("EvaluationCriteria") != nullptr;
  r.evaluation_interval = OptInt(input, "EvaluationInterval");
  if (r.ns) SLUICE_CW_RETURN_IF_ERROR(CheckNamespace(*r.ns, false));
  return FromAlarmError(svc->PutMetricAlarm(r));
}

}  // namespace sluice::cloudwatch
