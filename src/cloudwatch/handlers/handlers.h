#pragma once
// One handler per CloudWatch operation (each in its own file), registered in route_table.cc.
#include "cloudwatch/handler.h"

namespace sluice::cloudwatch {

ApiError HandlePutMetricData(const HandlerContext& ctx, const Value& input, Value* output);
ApiError HandleGetMetricStatistics(const HandlerContext& ctx, const Value& input, Value* output);
ApiError HandleGetMetricData(const HandlerContext& ctx, const Value& input, Value* output);
ApiError HandleListMetrics(const HandlerContext& ctx, const Value& input, Value* output);

}  // namespace sluice::cloudwatch
