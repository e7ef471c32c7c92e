#pragma once
// Thin helpers over simdjson's on-demand API for request decoding. Type mismatches become
// SerializationException-style errors, as the AWS front end reports them.
#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace sluice::protocol::json {

using simdjson::ondemand::object;
using simdjson::ondemand::value;

Status SerializationError(std::string message);
// Status for a member whose JSON type does not match the model's.
Status TypeMismatch(value& v, std::string_view expected);

Status ReadString(value v, std::optional<std::string_view>* out);
Status ReadInt(value v, std::optional<int64_t>* out);
Status ReadBool(value v, std::optional<bool>* out);
// Epoch seconds (integer, decimal or exponent form) -> milliseconds.
Status ReadTimestampMillis(value v, std::optional<int64_t>* out);
Status ReadStringList(value v, std::optional<std::vector<std::string_view>>* out);
Status ReadStringMap(value v, std::optional<std::vector<std::pair<std::string_view, std::string_view>>>* out);
// True if the value is exactly the JSON literal null (treated as absent).
bool IsNull(value& v);
// Consumes a member the request does not use, checking that it is well-formed JSON: the
// on-demand parser validates only what is read, and a malformed body must be rejected whole.
Status SkipValue(value v, int depth = 0);

// Iterates an object's members: fn(std::string_view key, value v) -> Status.
template <typename Fn>
Status ForEachMember(object obj, Fn&& fn) {
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return SerializationError("Invalid JSON member name");
    value v;
    if (field.value().get(v) != simdjson::SUCCESS) return SerializationError("Invalid JSON value");
    SLUICE_RETURN_IF_ERROR(fn(key, v));
  }
  return Status::Ok();
}

}  // namespace sluice::protocol::json
