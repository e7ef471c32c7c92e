#include "cloudwatch/handlers/common.h"

namespace sluice::cloudwatch {

std::string_view StringOr(const Value& v, std::string_view name, std::string_view def) {
  const Value* m = v.Find(name);
  return m != nullptr ? std::string_view(m->string_value()) : def;
}

int64_t IntOr(const Value& v, std::string_view name, int64_t def) {
  const Value* m = v.Find(name);
  return m != nullptr ? m->int_value() : def;
}

bool BoolOr(const Value& v, std::string_view name, bool def) {
  const Value* m = v.Find(name);
  return m != nullptr ? m->bool_value() : def;
}

const std::vector<Value>& ListOf(const Value& v, std::string_view name) {
  static const std::vector<Value> kEmpty;
  const Value* m = v.Find(name);
  return m != nullptr && m->is_list() ? m->items() : kEmpty;
}

ApiError CheckNamespace(std::string_view ns, bool for_put, std::string_view param) {
  auto invalid = [&] {
    return ApiError::InvalidValue("The value " + std::string(ns) + " for parameter " + std::string(param) +
                                  " is invalid.");
  };
  if (ns.empty() || ns.size() > 255) return invalid();
  for (char c : ns) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '-' || c == '_' || c == '/' || c == '#' || c == ':' || c == ' ';
    if (!ok) return invalid();
  }
  if (for_put && ns.starts_with("AWS/")) {
    return ApiError::InvalidValue("The value " + std::string(ns) + " for parameter " + std::string(param) +
                                  " is invalid. Namespaces starting with AWS/ are reserved for AWS services.");
  }
  return {};
}

ApiError ReadMetricId(std::string_view ns, const Value& v, std::string_view path, metrics::MetricId* out) {
  out->ns.assign(ns);
  out->name.assign(StringOr(v, "MetricName"));
  if (out->name.empty() || out->name.size() > 255) {
    return ApiError::InvalidValue("The parameter " + std::string(path) + "MetricName must be 1 to 255 characters.");
  }
  out->dims.clear();
  const auto& dims = ListOf(v, "Dimensions");
  if (dims.size() > kMaxDimensions) {
    return ApiError::InvalidValue("The collection " + std::string(path) +
                                  "Dimensions must not have a size greater than 30.");
  }
  size_t i = 0;
  for (const Value& d : dims) {
    ++i;
    std::string name(StringOr(d, "Name"));
    std::string value(StringOr(d, "Value"));
    const std::string at = std::string(path) + "Dimensions.member." + std::to_string(i);
    if (name.empty() || name.size() > 255) {
      return ApiError::InvalidValue("The parameter " + at + ".Name must be 1 to 255 characters.");
    }
    if (value.empty() || value.size() > 1024) {
      return ApiError::InvalidValue("The parameter " + at + ".Value must be 1 to 1024 characters.");
    }
    for (const auto& seen : out->dims) {
      if (seen.name == name) { return ApiError::InvalidValue("No metric may have duplicate dimension names: " + name); }
    }
    out->dims.push_back({std::move(name), std::move(value)});
  }
  out->Normalize();
  return {};
}

Value MetricToValue(const metrics::MetricId& id) {
  Value m = Value::Struct();
  m.Set("Namespace", Value::String(id.ns));
  m.Set("MetricName", Value::String(id.name));
  Value& dims = m.Set("Dimensions", Value::List());
  for (const auto& d : id.dims) {
    Value dv = Value::Struct();
    dv.Set("Name", Value::String(d.name));
    dv.Set("Value", Value::String(d.value));
    dims.Append(std::move(dv));
  }
  return m;
}

std::optional<metrics::Unit> UnitOf(const Value& v, std::string_view name) {
  const Value* u = v.Find(name);
  if (u == nullptr) return std::nullopt;
  return metrics::ParseUnit(u->string_value());  // the model already checked the enum
}

ApiError CheckPeriod(int64_t period_s, std::string_view param) {
  if (period_s <= 0 ||
      (period_s < 60 && period_s != 1 && period_s != 5 && period_s != 10 && period_s != 20 && period_s != 30) ||
      (period_s >= 60 && period_s % 60 != 0)) {
    return ApiError::InvalidValue("The parameter " + std::string(param) +
                                  " must be 1, 5, 10, 20, 30 or a multiple of 60.");
  }
  return {};
}

int64_t AlignStart(int64_t start_ms, int64_t period_s, int64_t now_ms) {
  constexpr int64_t kDay = 86'400'000;
  const int64_t age = now_ms - start_ms;
  int64_t align_ms = 60'000;
  if (period_s < 60 && age <= 3 * 3'600'000) {
    align_ms = period_s * 1000;
  } else if (age > 63 * kDay) {
    align_ms = 3'600'000;
  } else if (age > 15 * kDay) {
    align_ms = 300'000;
  }
  int64_t r = start_ms % align_ms;
  if (r < 0) r += align_ms;
  return start_ms - r;
}

ApiError StoreError(const Status& s) {
  if (s.code() == Errc::kExpiredNextToken) return {ErrorCode::kInvalidNextToken, s.message()};
  if (s.code() == Errc::kInvalidArgument || s.code() == Errc::kValidation) return ApiError::InvalidValue(s.message());
  if (s.code() == Errc::kLimitExceeded) return {ErrorCode::kLimitExceeded, s.message()};
  return ApiError::Internal(s.message());
}

}  // namespace sluice::cloudwatch
