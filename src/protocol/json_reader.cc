#include "protocol/json_reader.h"

#include <cmath>

namespace sluice::protocol::json {

using simdjson::ondemand::json_type;

Status SerializationError(std::string message) { return Status(Errc::kSerialization, std::move(message)); }

bool IsNull(value& v) {
  json_type t;
  if (v.type().get(t) != simdjson::SUCCESS || t != json_type::null) return false;
  bool is_null = false;
  return v.is_null().get(is_null) == simdjson::SUCCESS && is_null;
}

Status SkipValue(value v, int depth) {
  constexpr int kMaxDepth = 64;
  if (depth > kMaxDepth) return SerializationError("JSON nesting too deep");
  json_type t;
  if (v.type().get(t) != simdjson::SUCCESS) return SerializationError("Invalid JSON value");
  switch (t) {
    case json_type::array: {
      simdjson::ondemand::array arr;
      if (v.get_array().get(arr) != simdjson::SUCCESS) return SerializationError("Invalid JSON array");
      for (auto el : arr) {
        value item;
        if (el.get(item) != simdjson::SUCCESS) return SerializationError("Invalid JSON array element");
        SLUICE_RETURN_IF_ERROR(SkipValue(item, depth + 1));
      }
      return Status::Ok();
    }
    case json_type::object: {
      object obj;
      if (v.get_object().get(obj) != simdjson::SUCCESS) return SerializationError("Invalid JSON object");
      return ForEachMember(obj, [depth](std::string_view, value item) { return SkipValue(item, depth + 1); });
    }
    case json_type::string: {
      std::string_view s;
      if (v.get_string().get(s) != simdjson::SUCCESS) return SerializationError("Invalid JSON string");
      return Status::Ok();
    }
    case json_type::number: {
      double d;
      if (v.get_double().get(d) != simdjson::SUCCESS) return SerializationError("Invalid JSON number");
      return Status::Ok();
    }
    case json_type::boolean: {
      bool b;
      if (v.get_bool().get(b) != simdjson::SUCCESS) return SerializationError("Invalid JSON literal");
      return Status::Ok();
    }
    case json_type::null:
      if (!IsNull(v)) return SerializationError("Invalid JSON literal");
      return Status::Ok();
  }
  return SerializationError("Invalid JSON value");
}

Status TypeMismatch(value& v, std::string_view expected) {
  json_type t;
  if (v.type().get(t) != simdjson::SUCCESS) return SerializationError("Invalid JSON");
  const char* found = "UNKNOWN";
  switch (t) {
    case json_type::array: return SerializationError("Start of list found where not expected");
    case json_type::object: return SerializationError("Start of structure or map found where not expected.");
    case json_type::number: found = "NUMBER_VALUE"; break;
    case json_type::string: found = "STRING_VALUE"; break;
    case json_type::boolean: found = "BOOLEAN_VALUE"; break;
    case json_type::null: found = "NULL"; break;
  }
  return SerializationError(std::string(found) + " can not be converted to " + std::string(expected));
}

Status ReadString(value v, std::optional<std::string_view>* out) {
  if (IsNull(v)) return Status::Ok();
  std::string_view s;
  json_type t;
  if (v.type().get(t) != simdjson::SUCCESS) return SerializationError("Invalid JSON");
  if (t != json_type::string) return TypeMismatch(v, "a String");
  if (v.get_string().get(s) != simdjson::SUCCESS) return SerializationError("Invalid JSON string");
  *out = s;
  return Status::Ok();
}

Status ReadInt(value v, std::optional<int64_t>* out) {
  if (IsNull(v)) return Status::Ok();
  json_type t;
  if (v.type().get(t) != simdjson::SUCCESS) return SerializationError("Invalid JSON");
  if (t != json_type::number) return TypeMismatch(v, "an Integer");
  int64_t i;
  if (v.get_int64().get(i) == simdjson::SUCCESS) {
    *out = i;
    return Status::Ok();
  }
  double d;
  if (v.get_double().get(d) != simdjson::SUCCESS || !std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9.2e18)
    return SerializationError("NUMBER_VALUE can not be converted to an Integer");
  *out = static_cast<int64_t>(d);
  return Status::Ok();
}

Status ReadBool(value v, std::optional<bool>* out) {
  if (IsNull(v)) return Status::Ok();
  json_type t;
  if (v.type().get(t) != simdjson::SUCCESS) return SerializationError("Invalid JSON");
  if (t != json_type::boolean) return TypeMismatch(v, "a Boolean");
  bool b;
  if (v.get_bool().get(b) != simdjson::SUCCESS) return SerializationError("Invalid JSON boolean");
  *out = b;
  return Status::Ok();
}

Status ReadTimestampMillis(value v, std::optional<int64_t>* out) {
  if (IsNull(v)) return Status::Ok();
  json_type t;
  if (v.type().get(t) != simdjson::SUCCESS) return SerializationError("Invalid JSON");
  if (t != json_type::number) return TypeMismatch(v, "a Timestamp");
  double d;
  if (v.get_double().get(d) != simdjson::SUCCESS || !std::isfinite(d) || std::fabs(d) > 1e14)
    return SerializationError("NUMBER_VALUE can not be converted to a Timestamp");
  *out = static_cast<int64_t>(std::llround(d * 1000.0));
  return Status::Ok();
}

Status ReadStringList(value v, std::optional<std::vector<std::string_view>>* out) {
  if (IsNull(v)) return Status::Ok();
  json_type t;
  if (v.type().get(t) != simdjson::SUCCESS) return SerializationError("Invalid JSON");
  if (t != json_type::array) return TypeMismatch(v, "a List");
  simdjson::ondemand::array arr;
  if (v.get_array().get(arr) != simdjson::SUCCESS) return SerializationError("Invalid JSON array");
  std::vector<std::string_view> items;
  for (auto el : arr) {
    value item;
    if (el.get(item) != simdjson::SUCCESS) return SerializationError("Invalid JSON array element");
    std::optional<std::string_view> s;
    SLUICE_RETURN_IF_ERROR(ReadString(item, &s));
    items.push_back(s.value_or(std::string_view()));
  }
  *out = std::move(items);
  return Status::Ok();
}

Status ReadStringMap(value v, std::optional<std::vector<std::pair<std::string_view, std::string_view>>>* out) {
  if (IsNull(v)) return Status::Ok();
  json_type t;
  if (v.type().get(t) != simdjson::SUCCESS) return SerializationError("Invalid JSON");
  if (t != json_type::object) return TypeMismatch(v, "a Map");
  object obj;
  if (v.get_object().get(obj) != simdjson::SUCCESS) return SerializationError("Invalid JSON object");
  std::vector<std::pair<std::string_view, std::string_view>> items;
  SLUICE_RETURN_IF_ERROR(ForEachMember(obj, [&](std::string_view key, value val) -> Status {
    std::optional<std::string_view> s;
    SLUICE_RETURN_IF_ERROR(ReadString(val, &s));
    for (auto& [k, existing] : items) {
      if (k == key) {
        existing = s.value_or(std::string_view());
        return Status::Ok();
      }
    }
    items.emplace_back(key, s.value_or(std::string_view()));
    return Status::Ok();
  }));
  *out = std::move(items);
  return Status::Ok();
}

}  // namespace sluice::protocol::json
