// DescribeAlarms and DescribeAlarmsForMetric. Composite alarms are not supported: CompositeAlarms
// is always empty.
#include "cloudwatch/handlers/alarm_common.h"
#include "cloudwatch/handlers/common.h"
#include "cloudwatch/handlers/handlers.h"

namespace sluice::cloudwatch {

ApiError HandleDescribeAlarms(const HandlerContext& ctx, const Value& input, Value* output) {
  alarms::AlarmService* svc;
  SLUICE_CW_RETURN_IF_ERROR(AlarmServiceOf(ctx, &svc));
  alarms::DescribeAlarmsRequest r;
  r.alarm_names = StringsOf(input, "AlarmNames");
  r.alarm_name_prefix = OptString(input, "AlarmNamePrefix");
  r.state_value = OptString(input, "StateValue");
  r.action_prefix = OptString(input, "ActionPrefix");
  r.alarm_types = StringsOf(input, "AlarmTypes");
  if (const Value* m = input.Find("MaxRecords")) r.max_records = m->int_value();
  r.next_token = OptString(input, "NextToken");
  if (input.Find("ChildrenOfAlarmName") != nullptr || input.Find("ParentsOfAlarmName") != nullptr) {
    // Only composite alarms have children or parents: none here.
    *output = Value::Struct();
    output->Set("MetricAlarms", Value::List());
    output->Set("CompositeAlarms", Value::List());
    return {};
  }
  alarms::DescribeAlarmsPage page;
  SLUICE_CW_RETURN_IF_ERROR(FromAlarmError(svc->DescribeAlarms(r, &page)));
  *output = Value::Struct();
  Value& list = output->Set("MetricAlarms", Value::List());
  for (const auto& a : page.metric_alarms) list.Append(AlarmToValue(a));
  output->Set("CompositeAlarms", Value::List());
  if (!page.next_token.empty()) output->Set("NextToken", Value::String(page.next_token));
  return {};
}

ApiError HandleDescribeAlarmsForMetric(const HandlerContext& ctx, const Value& input, Value* output) {
  alarms::AlarmService* svc;
  SLUICE_CW_RETURN_IF_ERROR(AlarmServiceOf(ctx, &svc));
  alarms::DescribeAlarmsForMetricRequest r;
  r.metric_name = OptString(input, "MetricName");
  r.ns = OptString(input, "Namespace");
  r.statistic = OptString(input, "Statistic");
  r.extended_statistic = OptString(input, "ExtendedStatistic");
  r.dims = DimensionsOf(input);
  if (const Value* p = input.Find("Period")) r.period = p->int_value();
  r.unit = OptString(input, "Unit");
  std::vector<alarms::Alarm> found;
  SLUICE_CW_RETURN_IF_ERROR(FromAlarmError(svc->DescribeAlarmsForMetric(r, &found)));
  *output = Value::Struct();
  Value& list = output->Set("MetricAlarms", Value::List());
  for (const auto& a : found) list.Append(AlarmToValue(a));
  return {};
}

}  // namespace sluice::cloudwatch
