// PutMetricData: custom metrics (the KPL, KCL and applications publish this way). Every datum
// is validated before any is stored, so a bad request stores nothing.
#include <cmath>

#include "cloudwatch/handlers/common.h"
#include "cloudwatch/handlers/handlers.h"

namespace sluice::cloudwatch {
namespace {

constexpr size_t kMaxMetrics = 1000;
constexpr size_t kMaxValues = 150;
constexpr int64_t kMaxPastMs = 14LL * 86'400'000;
constexpr int64_t kMaxFutureMs = 2LL * 3'600'000;
// CloudWatch rejects values outside ±2^360 and the special values.
const double kMaxMagnitude = std::ldexp(1.0, 360);

struct Pending {
  metrics::MetricId id;
  metrics::Unit unit = metrics::Unit::kNone;
  int64_t timestamp_ms = 0;
  metrics::StatSet stats;
  int resolution_s = 60;
};

bool ValidNumber(double v) { return std::isfinite(v) && std::fabs(v) <= kMaxMagnitude; }

ApiError ReadDatum(const HandlerContext& ctx, std::string_view ns, const Value& d, const std::string& path,
                   Pending* out) {
  SLUICE_CW_RETURN_IF_ERROR(ReadMetricId(ns, d, path, &out->id));
  const Value* value = d.Find("Value");
  const Value* stats = d.Find("StatisticValues");
  const Value* values = d.Find("Values");
  const Value* counts = d.Find("Counts");
  const int given = (value != nullptr) + (stats != nullptr) + (values != nullptr);
  if (given > 1) {
    return ApiError::Combination("The parameters " + path + "Value, " + path + "StatisticValues and " + path +
                                 "Values are mutually exclusive and you have specified more than one.");
  }
  if (given == 0) {
    return ApiError::Combination("One of the parameters " + path + "Value, " + path + "StatisticValues or " + path +
                                 "Values must be specified.");
  }
  if (counts != nullptr && values == nullptr) {
    return ApiError::Combination("The parameter " + path + "Counts requires " + path + "Values.");
  }
  if (value != nullptr) {
    if (!ValidNumber(value->double_value())) {
      return ApiError::InvalidValue("The value " + std::to_string(value->double_value()) + " for parameter " + path +
                                    "Value is invalid.");
    }
    out->stats.AddSample(value->double_value());
  } else if (values != nullptr) {
    const auto& vs = values->items();
    if (vs.size() > kMaxValues) {
      return ApiError::InvalidValue("The collection " + path + "Values must not have a size greater than 150.");
    }
    if (counts != nullptr && counts->items().size() != vs.size()) {
      return ApiError::InvalidValue("The parameters " + path + "Values and " + path +
                                    "Counts must be of the same size.");
    }
    for (size_t i = 0; i < vs.size(); ++i) {
      const double v = vs[i].double_value();
      const double c = counts != nullptr ? counts->items()[i].double_value() : 1.0;
      if (!ValidNumber(v)) {
        return ApiError::InvalidValue("The parameter " + path + "Values.member." + std::to_string(i + 1) +
                                      " has an invalid value.");
      }
      if (!std::isfinite(c) || c < 0) {
        return ApiError::InvalidValue("The parameter " + path + "Counts.member." + std::to_string(i + 1) +
                                      " must be a non-negative number.");
      }
      if (c > 0) out->stats.AddSample(v, c);
    }
  } else {
    const Value* n = stats->Find("SampleCount");
    const Value* sum = stats->Find("Sum");
    const Value* mn = stats->Find("Minimum");
    const Value* mx = stats->Find("Maximum");
    // The model marks all four required; ValidateShape has checked they are present.
    if (n == nullptr || sum == nullptr || mn == nullptr || mx == nullptr) {
      return ApiError::Missing("The parameter " + path + "StatisticValues is incomplete.");
    }
    const double count = n->double_value();
    if (!ValidNumber(count) || count <= 0 || !ValidNumber(sum->double_value()) || !ValidNumber(mn->double_value()) ||
        !ValidNumber(mx->double_value()) || mn->double_value() > mx->double_value()) {
      return ApiError::InvalidValue("The parameter " + path +
                                    "StatisticValues must have SampleCount > 0, Minimum <= Maximum and finite values.");
    }
    out->stats.sample_count = count;
    out->stats.sum = sum->double_value();
    out->stats.min = mn->double_value();
    out->stats.max = mx->double_value();
    // Percentiles survive a statistic set only when it says every sample had one value.
    if (mn->double_value() == mx->double_value()) {
      out->stats.sketch.Add(mn->double_value(), static_cast<uint64_t>(std::llround(count)));
    }
  }

  const int64_t res = IntOr(d, "StorageResolution", 60);
  if (res != 1 && res != 60) {
    return ApiError::InvalidValue("The parameter " + path + "StorageResolution must be 1 or 60.");
  }
  out->resolution_s = static_cast<int>(res);
  out->timestamp_ms = ctx.now_ms;
  if (const Value* ts = d.Find("Timestamp")) {
    out->timestamp_ms = ts->timestamp_ms();
    if (out->timestamp_ms < ctx.now_ms - kMaxPastMs || out->timestamp_ms > ctx.now_ms + kMaxFutureMs) {
      return ApiError::InvalidValue("The parameter " + path +
                                    "Timestamp must specify a time no more than two weeks in the past and no more "
                                    "than two hours in the future.");
    }
  }
  out->unit = UnitOf(d).value_or(metrics::Unit::kNone);
  return {};
}

}  // namespace

ApiError HandlePutMetricData(const HandlerContext& ctx, const Value& input, Value* /*output*/) {
  const std::string_view ns = StringOr(input, "Namespace");
  SLUICE_CW_RETURN_IF_ERROR(CheckNamespace(ns, /*for_put=*/true));

  // MetricData, and the MetricData inside each EntityMetricData (entities are accepted, not kept).
  std::vector<std::pair<const Value*, std::string>> data;
  size_t i = 0;
  for (const Value& d : ListOf(input, "MetricData"))
    data.emplace_back(&d, "MetricData.member." + std::to_string(++i) + ".");
  i = 0;
  for (const Value& e : ListOf(input, "EntityMetricData")) {
    ++i;
    size_t j = 0;
    for (const Value& d : ListOf(e, "MetricData")) {
      data.emplace_back(
          &d, "EntityMetricData.member." + std::to_string(i) + ".MetricData.member." + std::to_string(++j) + ".");
    }
  }
  if (input.Find("MetricData") == nullptr && input.Find("EntityMetricData") == nullptr) {
    return ApiError::Missing("The parameter MetricData is required.");
  }
  if (data.size() > kMaxMetrics) {
    return ApiError::InvalidValue("The collection MetricData must not have a size greater than 1000.");
  }

  std::vector<Pending> pending(data.size());
  for (size_t k = 0; k < data.size(); ++k) {
    SLUICE_CW_RETURN_IF_ERROR(ReadDatum(ctx, ns, *data[k].first, data[k].second, &pending[k]));
  }
  for (const Pending& p : pending) {
    if (p.stats.empty()) continue;  // only zero counts
    Status s = ctx.services.store->Add(p.id, p.unit, p.timestamp_ms, p.stats, p.resolution_s);
    if (!s.ok()) return StoreError(s);
  }
  return {};
}

}  // namespace sluice::cloudwatch
