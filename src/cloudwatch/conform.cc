// Typing untyped request trees by the model, model validation, and DecodeRequest.
#include <charconv>
#include <cmath>
#include <limits>

#include "base/base64.h"
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

namespace {

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

bool ParseIso8601(std::string_view s, int64_t* ms) {
  // YYYY-MM-DDTHH:MM[:SS[.fff…]][Z|±HH:MM]
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!Digits(s, 0, 4, &y) || s.size() < 16 || s[4] != '-' || !Digits(s, 5, 2, &mo) || s[7] != '-' ||
      !Digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !Digits(s, 11, 2, &h) || s[13] != ':' ||
      !Digits(s, 14, 2, &mi)) {
    return false;
  }
  size_t pos = 16;
  int frac_ms = 0;
  if (pos < s.size() && s[pos] == ':') {
    if (!Digits(s, pos + 1, 2, &sec)) return false;
    pos += 3;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      int scale = 100;
      size_t start = pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        frac_ms += (s[pos] - '0') * scale;
        scale /= 10;
        ++pos;
      }
      if (pos == start) return false;
    }
  }
  int64_t offset_min = 0;
  if (pos < s.size()) {
    if (s[pos] == 'Z' || s[pos] == 'z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      int oh = 0, om = 0;
      if (!Digits(s, pos + 1, 2, &oh)) return false;
      size_t mpos = pos + 3;
      if (mpos < s.size() && s[mpos] == ':') ++mpos;
      if (!Digits(s, mpos, 2, &om)) return false;
      offset_min = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
      pos = mpos + 2;
    }
  }
  if (pos != s.size() || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return false;
  const int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  *ms = ((days * 24 + h) * 60 + mi - offset_min) * 60'000 + int64_t{sec} * 1000 + frac_ms;
  return true;
}

}  // namespace sluice::cloudwatch
