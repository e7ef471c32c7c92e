#pragma once
// Validation and conversions shared by the CloudWatch handlers.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "cloudwatch/errors.h"
#include "cloudwatch/value.h"
#include "metrics/metric_id.h"
#include "metrics/metric_store.h"

namespace sluice::cloudwatch {

inline constexpr size_t kMaxDimensions = 30;

// Optional members by type (absent -> default).
std::string_view StringOr(const Value& v, std::string_view name, std::string_view def = {});
int64_t IntOr(const Value& v, std::string_view name, int64_t def);
bool BoolOr(const Value& v, std::string_view name, bool def);
// The items of a list member (empty when absent).
const std::vector<Value>& ListOf(const Value& v, std::string_view name);

// Namespace as PutMetricData accepts it: 1-255 characters from CloudWatch's set, not "AWS/…".
ApiError CheckNamespace(std::string_view ns, bool for_put, std::string_view param = "Namespace");
// Metric from {Namespace, MetricName, Dimensions} members (the Metric shape, or the flat
// GetMetricStatistics / PutMetricData fields), normalised. `path` prefixes parameter names in
// messages ("MetricData.member.1.").
ApiError ReadMetricId(std::string_view ns, const Value& v, std::string_view path, metrics::MetricId* out);
// A metric as the Metric output shape.
Value MetricToValue(const metrics::MetricId& id);
// Unit member: absent -> nullopt.
std::optional<metrics::Unit> UnitOf(const Value& v, std::string_view name = "Unit");

// Period rules of GetMetricStatistics, GetMetricData and alarms: 1, 5, 10, 20, 30 or a multiple of 60.
ApiError CheckPeriod(int64_t period_s, std::string_view param = "Period");
// Start of the first period for a query starting at start_ms: CloudWatch rounds the start down
// by the age of the data (whole period under 60 s, minute under 15 days, 5 minutes under 63, hour beyond).
int64_t AlignStart(int64_t start_ms, int64_t period_s, int64_t now_ms);

// A store error as the API reports it.
ApiError StoreError(const Status& s);

}  // namespace sluice::cloudwatch
