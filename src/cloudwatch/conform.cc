// Typing untyped request trees by the model, model validation, and DecodeRequest.
#include <charconv>
#include <cmath>
#include <limits>

#include "base/base64.h"
#include "base/time_format.h"
#include "cloudwatch/wire.h"

namespace sluice::cloudwatch {
namespace {

// Timestamps beyond this many epoch seconds (about 3 million years) are rejected.
constexpr double kMaxTimestampSeconds = 1e14;

ApiError Mismatch(const ShapeDef& shape, std::string_view expected) {
  return {ErrorCode::kSerialization,
          "Expected " + std::string(expected) + " for a value of type " + std::string(shape.name)};
}

bool ParseDouble(std::string_view s, double* out) {
  if (s.empty()) return false;
  const char* b = s.data();
  if (*b == '+') ++b;
  auto r = std::from_chars(b, s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool ParseInt(std::string_view s, int64_t* out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size();
}

ApiError SecondsToTimestamp(double seconds, const ShapeDef& shape, Value* out) {
  if (!std::isfinite(seconds) || std::fabs(seconds) > kMaxTimestampSeconds) return Mismatch(shape, "a timestamp");
  *out = Value::TimestampMs(std::llround(seconds * 1000));
  return {};
}

ApiError ConformAt(const Value& raw, const ShapeDef& shape, bool lenient, int depth, Value* out) {
  if (depth > kMaxDepth) return {ErrorCode::kSerialization, "Request nested too deeply"};
  if (raw.is_null()) {
    *out = Value();
    return {};
  }
  const bool text = raw.kind() == Value::Kind::kString;
  switch (shape.type) {
    case ShapeType::kStructure: {
      if (!raw.is_struct()) return Mismatch(shape, "an object");
      *out = Value::Struct();
      for (const auto& [name, child] : raw.members()) {
        const MemberDef* m = FindMember(shape, name);
        if (m == nullptr || child.is_null()) continue;  // unknown members are ignored
        Value typed;
        SLUICE_CW_RETURN_IF_ERROR(ConformAt(child, ShapeAt(m->shape), lenient, depth + 1, &typed));
        out->Set(m->name, std::move(typed));
      }
      return {};
    }
    case ShapeType::kList: {
      if (!raw.is_list()) return Mismatch(shape, "a list");
      *out = Value::List();
      for (const Value& item : raw.items()) {
        Value typed;
        SLUICE_CW_RETURN_IF_ERROR(ConformAt(item, ShapeAt(shape.element), lenient, depth + 1, &typed));
        out->Append(std::move(typed));
      }
      return {};
    }
    case ShapeType::kMap: {
      if (!raw.is_struct()) return Mismatch(shape, "an object");
      *out = Value::Map();
      for (const auto& [name, child] : raw.members()) {
        Value typed;
        SLUICE_CW_RETURN_IF_ERROR(ConformAt(child, ShapeAt(shape.element), lenient, depth + 1, &typed));
        out->Set(name, std::move(typed));
      }
      return {};
    }
    case ShapeType::kString:
      if (!text) return Mismatch(shape, "a string");
      *out = raw;
      return {};
    case ShapeType::kInteger:
    case ShapeType::kLong: {
      int64_t v = 0;
      if (raw.kind() == Value::Kind::kInt) {
        v = raw.int_value();
      } else if (raw.kind() == Value::Kind::kDouble && std::trunc(raw.double_value()) == raw.double_value() &&
                 std::fabs(raw.double_value()) < 9.2e18) {
        v = static_cast<int64_t>(raw.double_value());
      } else if (!(lenient && text && ParseInt(raw.string_value(), &v))) {
        return Mismatch(shape, "an integer");
      }
      if (shape.type == ShapeType::kInteger &&
          (v > std::numeric_limits<int32_t>::max() || v < std::numeric_limits<int32_t>::min())) {
        return Mismatch(shape, "a 32-bit integer");
      }
      *out = Value::Int(v);
      return {};
    }
    case ShapeType::kDouble: {
      double d = 0;
      if (raw.kind() == Value::Kind::kInt || raw.kind() == Value::Kind::kDouble) {
        d = raw.double_value();
      } else if (text && (lenient || raw.string_value() == "NaN" || raw.string_value().ends_with("Infinity"))) {
        const std::string& s = raw.string_value();
        if (s == "NaN") {
          d = std::numeric_limits<double>::quiet_NaN();
        } else if (s == "Infinity") {
          d = std::numeric_limits<double>::infinity();
        } else if (s == "-Infinity") {
          d = -std::numeric_limits<double>::infinity();
        } else if (!ParseDouble(s, &d)) {
          return Mismatch(shape, "a number");
        }
      } else {
        return Mismatch(shape, "a number");
      }
      *out = Value::Double(d);
      return {};
    }
    case ShapeType::kBoolean:
      if (raw.kind() == Value::Kind::kBool) {
        *out = raw;
      } else if (lenient && text && (raw.string_value() == "true" || raw.string_value() == "false")) {
        *out = Value::Bool(raw.string_value() == "true");
      } else {
        return Mismatch(shape, "a boolean");
      }
      return {};
    case ShapeType::kTimestamp: {
      if (raw.kind() == Value::Kind::kTimestamp) {
        *out = raw;
        return {};
      }
      if (raw.kind() == Value::Kind::kInt || raw.kind() == Value::Kind::kDouble) {
        return SecondsToTimestamp(raw.double_value(), shape, out);
      }
      if (text) {
        int64_t ms = 0;
        if (ParseIso8601(raw.string_value(), &ms)) {
          *out = Value::TimestampMs(ms);
          return {};
        }
        double seconds = 0;
        if (ParseDouble(raw.string_value(), &seconds)) return SecondsToTimestamp(seconds, shape, out);
      }
      return Mismatch(shape, "a timestamp");
    }
    case ShapeType::kBlob: {
      if (raw.kind() == Value::Kind::kBlob) {
        *out = raw;
        return {};
      }
      std::string bytes;
      if (!text || !base64::DecodeToString(raw.string_value(), &bytes)) return Mismatch(shape, "base64 data");
      *out = Value::Blob(std::move(bytes));
      return {};
    }
  }
  return Mismatch(shape, "a value");
}

std::string Join(std::string_view path, std::string_view name) {
  return path.empty() ? std::string(name) : std::string(path) + "." + std::string(name);
}

}  // namespace

ApiError Conform(const Value& raw, const ShapeDef& shape, bool lenient_strings, Value* out) {
  return ConformAt(raw, shape, lenient_strings, 0, out);
}

ApiError ValidateShape(const Value& v, const ShapeDef& shape, std::string_view path) {
  switch (shape.type) {
    case ShapeType::kStructure:
      for (const MemberDef& m : MembersOf(shape)) {
        const Value* child = v.Find(m.name);
        const std::string member_path = Join(path, m.name);
        if (child == nullptr) {
          if (m.required) return ApiError::Missing("The parameter " + member_path + " is required.");
          continue;
        }
        SLUICE_CW_RETURN_IF_ERROR(ValidateShape(*child, ShapeAt(m.shape), member_path));
      }
      return {};
    case ShapeType::kList: {
      int64_t i = 1;
      for (const Value& item : v.items()) {
        SLUICE_CW_RETURN_IF_ERROR(
            ValidateShape(item, ShapeAt(shape.element), Join(path, "member." + std::to_string(i++))));
      }
      return {};
    }
    case ShapeType::kString:
      if (!shape.enum_values.empty() && !IsEnumValue(shape, v.string_value())) {
        return ApiError::InvalidValue("The parameter " + std::string(path) + " must be a value in the set [ " +
                                      std::string(shape.enum_values) + " ].");
      }
      return {};
    default: return {};
  }
}

bool ParseIso8601(std::string_view s, int64_t* ms) {
  std::optional<int64_t> v = sluice::ParseIso8601(s);
  if (!v) return false;
  *ms = *v;
  return true;
}

}  // namespace sluice::cloudwatch
