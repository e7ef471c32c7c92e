// GetMetricData: MetricStat queries and metric math (metrics/metric_math.h), ScanBy ordering,
// MaxDatapoints pages with NextToken. Pages are cut from the full answer, recomputed per call
// (the request is stateless; the token holds the position: result index and datapoint offset).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <set>

#include "cloudwatch/handlers/common.h"
#include "cloudwatch/handlers/handlers.h"
#include "metrics/metric_math.h"
#include "metrics/stat_set.h"

namespace sluice::cloudwatch {
namespace {

constexpr size_t kMaxQueries = 500;
constexpr int64_t kMaxDatapoints = 100'800;
constexpr std::string_view kTokenPrefix = "gmd1:";

struct Query {
  std::string id;
  std::string path;  // "MetricDataQueries.member.N."
  const Value* v = nullptr;
  bool is_metric = false;
  bool return_data = true;
  std::string label;
  // MetricStat
  metrics::MetricId metric;
  int64_t period_s = 60;
  std::string stat;
  std::optional<metrics::Unit> unit;
  // Expression
  std::string expression;
  std::vector<std::string> refs;
  bool uses_metrics = false;
};

bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > 255 || !(id[0] >= 'a' && id[0] <= 'z')) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

ApiError ReadQuery(const Value& q, size_t index, Query* out) {
  out->v = &q;
  out->path = "MetricDataQueries.member." + std::to_string(index) + ".";
  out->id = std::string(StringOr(q, "Id"));
  if (!ValidId(out->id)) {
    return ApiError::InvalidValue("The value " + out->id + " for parameter " + out->path +
                                  "Id is invalid. It must start with a lowercase letter and contain only letters, "
                                  "numbers and underscores.");
  }
  out->return_data = BoolOr(q, "ReturnData", true);
  out->label = std::string(StringOr(q, "Label"));
  const Value* stat = q.Find("MetricStat");
  const Value* expr = q.Find("Expression");
  if ((stat == nullptr) == (expr == nullptr)) {
    return ApiError::Combination("Exactly one of the parameters " + out->path + "MetricStat and " + out->path +
                                 "Expression must be specified.");
  }
  if (stat != nullptr) {
    out->is_metric = true;
    const Value* metric = stat->Find("Metric");
    const std::string_view ns = metric != nullptr ? StringOr(*metric, "Namespace") : std::string_view();
    SLUICE_CW_RETURN_IF_ERROR(CheckNamespace(ns, false, out->path + "MetricStat.Metric.Namespace"));
    SLUICE_CW_RETURN_IF_ERROR(ReadMetricId(ns, *metric, out->path + "MetricStat.Metric.", &out->metric));
    out->period_s = IntOr(*stat, "Period", 0);
    SLUICE_CW_RETURN_IF_ERROR(CheckPeriod(out->period_s, out->path + "MetricStat.Period"));
    out->stat = std::string(StringOr(*stat, "Stat"));
    if (!metrics::IsStandardStatistic(out->stat) && !metrics::IsValidExtendedStatistic(out->stat)) {
      return ApiError::InvalidValue("The value " + out->stat + " for parameter " + out->path +
                                    "MetricStat.Stat is invalid.");
    }
    out->unit = UnitOf(*stat);
    if (out->label.empty()) out->label = out->metric.name;
    return {};
  }
  out->expression = expr->string_value();
  auto refs = metrics::ReferencedIds(out->expression);
  if (!refs.ok()) return ApiError::InvalidValue("Error in expression " + out->id + ": " + refs.status().message());
  out->refs = refs->ids;
  out->uses_metrics = refs->uses_metrics;
  if (const Value* p = q.Find("Period")) out->period_s = p->int_value();
  if (out->label.empty()) out->label = out->id;
  return {};
}

// Orders queries so each expression follows what it names; rejects unknown ids and cycles.
ApiError EvaluationOrder(const std::vector<Query>& qs, std::vector<size_t>* order) {
  std::map<std::string, size_t> by_id;
  for (size_t i = 0; i < qs.size(); ++i) {
    if (!by_id.emplace(qs[i].id, i).second) {
      return ApiError::InvalidValue("The value " + qs[i].id + " for parameter MetricDataQueries Id is not unique.");
    }
  }
  std::vector<int> state(qs.size(), 0);  // 0 new, 1 visiting, 2 done
  std::function<ApiError(size_t)> visit = [&](size_t i) -> ApiError {
    if (state[i] == 2) return {};
    if (state[i] == 1) return ApiError::InvalidValue("Error in expression " + qs[i].id + ": circular reference");
    state[i] = 1;
    std::vector<size_t> deps;
    for (const std::string& r : qs[i].refs) {
      auto it = by_id.find(r);
      if (it == by_id.end()) {
        return ApiError::InvalidValue("Error in expression " + qs[i].id + ": Unrecognized metric or expression id " +
                                      r);
      }
      deps.push_back(it->second);
    }
    if (qs[i].uses_metrics) {
      for (size_t j = 0; j < qs.size(); ++j) {
        if (qs[j].is_metric) deps.push_back(j);
      }
    }
    for (size_t d : deps) SLUICE_CW_RETURN_IF_ERROR(visit(d));
    state[i] = 2;
    order->push_back(i);
    return {};
  };
  for (size_t i = 0; i < qs.size(); ++i) SLUICE_CW_RETURN_IF_ERROR(visit(i));
  return {};
}

struct Output {
  std::string id;
  std::string label;
  std::vector<std::pair<int64_t, double>> points;  // in ScanBy order
};

bool ParseToken(std::string_view token, size_t* result, size_t* offset) {
  if (!token.starts_with(kTokenPrefix)) return false;
  token.remove_prefix(kTokenPrefix.size());
  size_t colon = token.find(':');
  if (colon == std::string_view::npos) return false;
  auto a = std::from_chars(token.data(), token.data() + colon, *result);
  auto b = std::from_chars(token.data() + colon + 1, token.data() + token.size(), *offset);
  return a.ec == std::errc() && a.ptr == token.data() + colon && b.ec == std::errc() &&
         b.ptr == token.data() + token.size();
}

}  // namespace

ApiError HandleGetMetricData(const HandlerContext& ctx, const Value& input, Value* output) {
  const auto& raw = ListOf(input, "MetricDataQueries");
  if (raw.empty()) return ApiError::Missing("The parameter MetricDataQueries is required.");
  if (raw.size() > kMaxQueries) {
    return ApiError::InvalidValue("The collection MetricDataQueries must not have a size greater than 500.");
  }
  const int64_t start_in = input.Find("StartTime")->timestamp_ms();
  const int64_t end = input.Find("EndTime")->timestamp_ms();
  if (start_in >= end) {
    return ApiError::InvalidValue("The parameter StartTime must be less than the parameter EndTime.");
  }
  const bool ascending = StringOr(input, "ScanBy", "TimestampDescending") == "TimestampAscending";
  const int64_t max_points = IntOr(input, "MaxDatapoints", kMaxDatapoints);
  if (max_points <= 0) return ApiError::InvalidValue("The parameter MaxDatapoints must be greater than 0.");

  std::vector<Query> qs(raw.size());
  int64_t total_points = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    SLUICE_CW_RETURN_IF_ERROR(ReadQuery(raw[i], i + 1, &qs[i]));
    if (qs[i].is_metric) {
      const int64_t start = AlignStart(start_in, qs[i].period_s, ctx.now_ms);
      total_points += (end - start + qs[i].period_s * 1000 - 1) / (qs[i].period_s * 1000);
    }
  }
  if (total_points > kMaxDatapoints) {
    return ApiError::Combination("You have requested up to " + std::to_string(total_points) +
                                 " datapoints, which exceeds the limit of 100800.");
  }
  if (std::none_of(qs.begin(), qs.end(), [](const Query& q) { return q.return_data; })) {
    return ApiError::InvalidValue("At least one of the MetricDataQueries must have ReturnData set to true.");
  }
  std::vector<size_t> order;
  SLUICE_CW_RETURN_IF_ERROR(EvaluationOrder(qs, &order));

  size_t page_result = 0, page_offset = 0;
  if (const Value* tok = input.Find("NextToken")) {
    if (!ParseToken(tok->string_value(), &page_result, &page_offset)) {
      return {ErrorCode::kInvalidNextToken, "The service returned an invalid next token."};
    }
  }

  // Metric series first (METRICS() sees them all), then expressions in dependency order.
  metrics::MathInputMap inputs;
  std::map<std::string, metrics::MathValue> results;
  for (const Query& q : qs) {
    if (!q.is_metric) continue;
    const int64_t start = AlignStart(start_in, q.period_s, ctx.now_ms);
    auto pts = ctx.services.store->Query(q.metric, start, end, q.period_s, q.unit);
    if (!pts.ok()) return StoreError(pts.status());
    metrics::TimeSeries s;
    s.id = q.id;
    s.label = q.label;
    s.start_ms = start;
    s.period_s = q.period_s;
    s.values.assign(static_cast<size_t>((end - start + q.period_s * 1000 - 1) / (q.period_s * 1000)),
                    std::numeric_limits<double>::quiet_NaN());
    for (const metrics::Datapoint& p : *pts) {
      if (auto i = s.IndexOf(p.timestamp_ms)) {
        s.values[*i] = metrics::EvaluateStatistic(p.stats, q.stat).value_or(std::numeric_limits<double>::quiet_NaN());
      }
    }
    inputs.AddMetric(s);
  }
  // The grid a scalar result is spread over: the first metric query's.
  const metrics::TimeSeries* first_metric = nullptr;
  std::vector<metrics::TimeSeries> all = inputs.AllMetrics();
  if (!all.empty()) first_metric = &all.front();

  for (size_t i : order) {
    const Query& q = qs[i];
    if (q.is_metric) continue;
    auto v = metrics::EvaluateMetricMath(q.expression, inputs);
    if (!v.ok()) return ApiError::InvalidValue("Error in expression " + q.id + ": " + v.status().message());
    inputs.AddExpression(q.id, std::move(*v));
  }

  std::vector<Output> outs;
  for (const Query& q : qs) {
    if (!q.return_data) continue;
    const metrics::MathValue* v = inputs.Find(q.id);
    std::vector<metrics::TimeSeries> series;
    if (v->kind == metrics::MathValue::Kind::kScalar) {
      if (first_metric != nullptr) {
        metrics::TimeSeries s = *first_metric;
        for (double& x : s.values) x = v->scalar;
        series.push_back(std::move(s));
      }
    } else {
      series = v->series;
    }
    for (const metrics::TimeSeries& s : series) {
      Output o;
      o.id = q.id;
      o.label = v->kind == metrics::MathValue::Kind::kArray ? s.label : q.label;
      for (size_t k = 0; k < s.values.size(); ++k) {
        if (!std::isnan(s.values[k])) o.points.emplace_back(s.TimestampAt(k), s.values[k]);
      }
      if (!ascending) std::reverse(o.points.begin(), o.points.end());
      outs.push_back(std::move(o));
    }
  }

  if (page_result > outs.size() || (page_result < outs.size() && page_offset > outs[page_result].points.size())) {
    return {ErrorCode::kInvalidNextToken, "The service returned an invalid next token."};
  }
  *output = Value::Struct();
  Value& list = output->Set("MetricDataResults", Value::List());
  int64_t budget = max_points;
  std::string next;
  for (size_t r = page_result; r < outs.size(); ++r) {
    const Output& o = outs[r];
    size_t from = r == page_result ? page_offset : 0;
    Value res = Value::Struct();
    res.Set("Id", Value::String(o.id));
    res.Set("Label", Value::String(o.label));
    Value& ts = res.Set("Timestamps", Value::List());
    Value& vs = res.Set("Values", Value::List());
    size_t k = from;
    for (; k < o.points.size() && budget > 0; ++k, --budget) {
      ts.Append(Value::TimestampMs(o.points[k].first));
      vs.Append(Value::Double(o.points[k].second));
    }
    const bool complete = k == o.points.size();
    res.Set("StatusCode", Value::String(complete ? "Complete" : "PartialData"));
    res.Set("Messages", Value::List());
    list.Append(std::move(res));
    if (!complete) {
      next = std::string(kTokenPrefix) + std::to_string(r) + ":" + std::to_string(k);
      break;
    }
    if (budget == 0 && r + 1 < outs.size()) {
      next = std::string(kTokenPrefix) + std::to_string(r + 1) + ":0";
      break;
    }
  }
  if (!next.empty()) output->Set("NextToken", Value::String(next));
  output->Set("Messages", Value::List());
  return {};
}

}  // namespace sluice::cloudwatch
