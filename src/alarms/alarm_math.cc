#include "alarms/alarm_math.h"

#include <cmath>
#include <limits>
#include <set>
#include <string>

#include "metrics/metric_math.h"
#include "metrics/stat_set.h"

namespace sluice::alarms {
namespace {}  // namespace

Status CheckAlarmExpressions(const std::vector<MetricQuery>& queries) {
  std::set<std::string> ids;
  for (const MetricQuery& q : queries) ids.insert(q.id);
  for (const MetricQuery& q : queries) {
    if (q.expression.empty()) continue;
    auto refs = metrics::ReferencedIds(q.expression);
    if (!refs.ok())
      return Status(Errc::kInvalidArgument, "Error in expression " + q.id + ": " + refs.status().message());
    for (const std::string& r : refs->ids)
      if (!ids.contains(r) || r == q.id)
        return Status(Errc::kInvalidArgument, "Error in expression " + q.id + ": Unrecognized id " + r + ".");
  }
  return Status::Ok();
}

Result<std::vector<std::optional<double>>> EvaluateAlarmMath(const metrics::MetricStore& store,
                                                             const std::vector<MetricQuery>& queries, int64_t start_ms,
                                                             int64_t end_ms, int64_t period_s) {
  const int64_t period_ms = period_s * 1000;
  const size_t n = static_cast<size_t>((end_ms - start_ms) / period_ms);
  metrics::MathInputMap inputs;
  for (const MetricQuery& q : queries) {
    if (!q.metric_stat) continue;
    const MetricStat& st = *q.metric_stat;
    metrics::TimeSeries ts;
    ts.id = q.id;
    ts.label = q.label.empty() ? st.metric.name : q.label;
    ts.start_ms = start_ms;
    ts.period_s = period_s;
    ts.values.assign(n, std::numeric_limits<double>::quiet_NaN());
    SLUICE_ASSIGN_OR_RETURN(std::vector<metrics::Datapoint> dps,
                            store.Query(st.metric, start_ms, end_ms, period_s, st.unit));
    for (const metrics::Datapoint& dp : dps) {
      int64_t idx = (dp.timestamp_ms - start_ms) / period_ms;
      if (idx < 0 || static_cast<size_t>(idx) >= n) continue;
      if (auto v = metrics::EvaluateStatistic(dp.stats, st.stat)) ts.values[static_cast<size_t>(idx)] = *v;
    }
    inputs.AddMetric(std::move(ts));
  }
  // Expressions in dependency order: evaluate whatever has its inputs, until nothing is left.
  std::vector<const MetricQuery*> pending;
  for (const MetricQuery& q : queries)
    if (!q.expression.empty()) pending.push_back(&q);
  while (!pending.empty()) {
    bool progress = false;
    for (auto it = pending.begin(); it != pending.end();) {
      auto refs = metrics::ReferencedIds((*it)->expression);
      if (!refs.ok()) return refs.status();
      bool ready = true;
      for (const std::string& r : refs->ids)
        if (inputs.Find(r) == nullptr) ready = false;
      if (!ready) {
        ++it;
        continue;
      }
      SLUICE_ASSIGN_OR_RETURN(metrics::MathValue v, metrics::EvaluateMetricMath((*it)->expression, inputs));
      inputs.AddExpression((*it)->id, std::move(v));
      it = pending.erase(it);
      progress = true;
    }
    if (!progress) return Status(Errc::kInvalidArgument, "metric math expressions reference each other in a cycle");
  }
  std::vector<std::optional<double>> out(n);
  for (const MetricQuery& q : queries) {
    if (!q.return_data) continue;
    const metrics::MathValue* v = inputs.Find(q.id);
    if (v == nullptr) break;
    if (v->kind == metrics::MathValue::Kind::kScalar) {
      for (auto& o : out) o = v->scalar;
    } else if (!v->series.empty()) {
      const metrics::TimeSeries& s = v->series.front();
      for (size_t i = 0; i < s.values.size(); ++i) {
        if (std::isnan(s.values[i])) continue;
        int64_t idx = (s.TimestampAt(i) - start_ms) / period_ms;
        if (idx >= 0 && static_cast<size_t>(idx) < n) out[static_cast<size_t>(idx)] = s.values[i];
      }
    }
    break;
  }
  return out;
}

}  // namespace sluice::alarms
