// GetMetricStatistics: statistics of one metric per period (the Scaling Utility, Grafana's
// older paths and `aws cloudwatch get-metric-statistics`).
#include "cloudwatch/handlers/common.h"
#include "cloudwatch/handlers/handlers.h"
#include "metrics/stat_set.h"

namespace sluice::cloudwatch {
namespace {

constexpr int64_t kMaxDatapoints = 1440;

}  // namespace

ApiError HandleGetMetricStatistics(const HandlerContext& ctx, const Value& input, Value* output) {
  const std::string_view ns = StringOr(input, "Namespace");
  SLUICE_CW_RETURN_IF_ERROR(CheckNamespace(ns, /*for_put=*/false));
  metrics::MetricId id;
  SLUICE_CW_RETURN_IF_ERROR(ReadMetricId(ns, input, "", &id));

  std::vector<std::string> stats;
  for (const Value& s : ListOf(input, "Statistics")) stats.push_back(s.string_value());
  std::vector<std::string> extended;
  for (const Value& s : ListOf(input, "ExtendedStatistics")) {
    if (!metrics::IsValidExtendedStatistic(s.string_value())) {
      return ApiError::InvalidValue("The value " + s.string_value() + " for parameter ExtendedStatistics is invalid.");
    }
    extended.push_back(s.string_value());
  }
  if (stats.empty() && extended.empty()) {
    return ApiError::Missing("Must specify either Statistics or ExtendedStatistics.");
  }
  // The model: "you must specify either Statistics or ExtendedStatistics, but not both" (its list
  // bounds, 5 and 10, were checked with the shapes).
  if (!stats.empty() && !extended.empty()) {
    return ApiError::Combination("Parameters Statistics and ExtendedStatistics are mutually exclusive.");
  }

  const int64_t period = IntOr(input, "Period", 0);
  SLUICE_CW_RETURN_IF_ERROR(CheckPeriod(period));
  int64_t start = input.Find("StartTime")->timestamp_ms();
  const int64_t end = input.Find("EndTime")->timestamp_ms();
  if (start >= end) {
    return ApiError::InvalidValue("The parameter StartTime must be less than the parameter EndTime.");
  }
  start = AlignStart(start, period, ctx.now_ms);
  const int64_t period_ms = period * 1000;
  const int64_t points = (end - start + period_ms - 1) / period_ms;
  if (points > kMaxDatapoints) {
    return ApiError::Combination(
        "You have requested up to " + std::to_string(points) +
        " datapoints, which exceeds the limit of 1440. You may reduce the datapoints requested "
        "by increasing Period, or decreasing the time range.");
  }
  const std::optional<metrics::Unit> unit = UnitOf(input);

  auto result = ctx.services.store->Query(id, start, end, period, unit);
  if (!result.ok()) return StoreError(result.status());

  *output = Value::Struct();
  output->Set("Label", Value::String(id.name));
  Value& dps = output->Set("Datapoints", Value::List());
  for (const metrics::Datapoint& p : *result) {
    Value dp = Value::Struct();
    dp.Set("Timestamp", Value::TimestampMs(p.timestamp_ms));
    for (const std::string& s : stats) {
      std::optional<double> v = metrics::EvaluateStatistic(p.stats, s);
      if (v) dp.Set(s, Value::Double(*v));
    }
    if (!extended.empty()) {
      Value& ext = dp.Set("ExtendedStatistics", Value::Map());
      for (const std::string& s : extended) {
        if (std::optional<double> v = metrics::EvaluateStatistic(p.stats, s)) ext.Set(s, Value::Double(*v));
      }
    }
    dp.Set("Unit", Value::String(std::string(metrics::UnitName(p.unit))));
    dps.Append(std::move(dp));
  }
  return {};
}

}  // namespace sluice::cloudwatch
