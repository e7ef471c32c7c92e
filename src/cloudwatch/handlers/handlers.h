#pragma once
// One handler per CloudWatch operation (each in its own file), registered in route_table.cc.
#include "cloudwatch/handler.h"

namespace sluice::cloudwatch {

ApiError HandlePutMetricData(const HandlerContext& ctx, const Value& input, Value* output);
ApiError HandleGetMetricStatistics(const HandlerContext& ctx, const Value& input, Value* output);
ApiError HandleGetMetricData(const HandlerContext& ctx, const Value& input, Value* output);
ApiError HandleListMetrics(const HandlerContext& ctx, const Value& input, Value* output);
// Alarms (alarm_*.cc, put_metric_alarm.cc, describe_alarm*.cc).
ApiError HandlePutMetricAlarm(const HandlerContext& ctx, const Value& input, Value* output);
ApiError HandleDescribeAlarms(const HandlerContext& ctx, const Value& input, Value* output);
ApiError HandleDescribeAlarmsForMetric(const HandlerContext& ctx, const Value& input, Value* output);
ApiError HandleDescribeAlarmHistory(const HandlerContext& ctx, const Value& input, Value* output);
ApiError HandleDeleteAlarms(const HandlerContext& ctx, const Value& input, Value* output);
ApiError HandleSetAlarmState(const HandlerContext& ctx, const Value& input, Value* output);
ApiError HandleEnableAlarmActions(const HandlerContext& ctx, const Value& input, Value* output);
ApiError HandleDisableAlarmActions(const HandlerContext& ctx, const Value& input, Value* output);
ApiError HandleTagResource(const HandlerContext& ctx, const Value& input, Value* output);
ApiError HandleUntagResource(const HandlerContext& ctx, const Value& input, Value* output);
ApiError HandleListTagsForResource(const HandlerContext& ctx, const Value& input, Value* output);

}  // namespace sluice::cloudwatch
