#pragma once
// Metric math for GetMetricData and metric-math alarms: a documented subset of CloudWatch's
// expression language (docs/cloudwatch.md) evaluated over time series on period grids.
//
//   arithmetic  + - * / ^ and unary -, on series and scalars (series op series matches timestamps)
//   comparison  < <= > >= == != ; logic AND/&& OR/|| NOT/! (1 true, 0 false)
//   functions   SUM AVG MIN MAX (series -> scalar; array -> series), RATE, DIFF, ABS, CEIL, FLOOR,
//               FILL(m, value|REPEAT|LINEAR), IF(cond, a[, b]), METRICS(["filter"]), PERIOD(m)
//
// A missing value is NaN: arithmetic on it stays missing, and missing points are not returned.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace sluice::metrics {

// A series on a grid of periods from start_ms; values[i] belongs to start_ms + i * period_s s.
struct TimeSeries {
  std::string id;     // the query id it came from
  std::string label;  // its label (METRICS("x") keeps series whose label or id contains x)
  int64_t start_ms = 0;
  int64_t period_s = 60;
  std::vector<double> values;  // NaN = no datapoint

  int64_t TimestampAt(size_t i) const { return start_ms + static_cast<int64_t>(i) * period_s * 1000; }
  // The index of the period starting at ts, if on this grid.
  std::optional<size_t> IndexOf(int64_t ts) const;
};

// What an expression evaluates to.
struct MathValue {
  enum class Kind : uint8_t { kScalar, kSeries, kArray };
  Kind kind = Kind::kScalar;
  double scalar = 0;
  std::vector<TimeSeries> series;  // one for kSeries, any number for kArray
};

// Where expressions find the series they name.
class MathInputs {
 public:
  virtual ~MathInputs() = default;
  // The series (or expression result) with this query id; nullptr if unknown or not yet computed.
  virtual const MathValue* Find(std::string_view id) const = 0;
  // Every metric (MetricStat) series of the request, for METRICS().
  virtual std::vector<TimeSeries> AllMetrics() const = 0;
};

// MathInputs held in a map: metric series added as they are fetched, expression results as they
// are computed (GetMetricData and metric-math alarms both evaluate this way).
class MathInputMap final : public MathInputs {
 public:
  const MathValue* Find(std::string_view id) const override;
  std::vector<TimeSeries> AllMetrics() const override { return metrics_; }
  void AddMetric(TimeSeries s);
  void AddExpression(const std::string& id, MathValue v) { values_[id] = std::move(v); }

 private:
  std::map<std::string, MathValue, std::less<>> values_;
  std::vector<TimeSeries> metrics_;
};

// Evaluates `expression`. Errors (Errc::kInvalidArgument) name the problem: syntax, an unknown
// function or id, wrong argument kinds.
Result<MathValue> EvaluateMetricMath(std::string_view expression, const MathInputs& inputs);

// The query ids an expression names (lowercase-initial identifiers that are not functions or
// keywords), and whether it calls METRICS(); for ordering queries and finding cycles.
struct ExpressionRefs {
  std::vector<std::string> ids;
  bool uses_metrics = false;
};
Result<ExpressionRefs> ReferencedIds(std::string_view expression);

}  // namespace sluice::metrics
