#pragma once
// The values a metric-math alarm watches: its MetricStat queries read from the store, its
// expressions evaluated with metrics/metric_math, the returned query's series on the alarm's
// period grid.
#include <cstdint>
#include <optional>
#include <vector>

#include "alarms/alarm.h"
#include "base/status.h"
#include "metrics/metric_store.h"

namespace sluice::alarms {

// One value per period of [start_ms, end_ms) (oldest first; nullopt: no value for the period).
Result<std::vector<std::optional<double>>> EvaluateAlarmMath(const metrics::MetricStore& store,
                                                             const std::vector<MetricQuery>& queries, int64_t start_ms,
                                                             int64_t end_ms, int64_t period_s);

// Checks an alarm's expressions parse and name only ids of the list (PutMetricAlarm).
Status CheckAlarmExpressions(const std::vector<MetricQuery>& queries);

}  // namespace sluice::alarms
