#include "cloudwatch/value.h"

namespace sluice::cloudwatch {

Value Value::Bool(bool b) {
  Value v;
  v.kind_ = Kind::kBool;
  v.int_ = b ? 1 : 0;
  return v;
}
Value Value::Int(int64_t i) {
  Value v;
  v.kind_ = Kind::kInt;
  v.int_ = i;
  return v;
}
Value Value::Double(double d) {
  Value v;
  v.kind_ = Kind::kDouble;
  v.double_ = d;
  return v;
}
Value Value::String(std::string s) {
  Value v;
  v.kind_ = Kind::kString;
  v.str_ = std::move(s);
  return v;
}
Value Value::TimestampMs(int64_t ms) {
  Value v;
  v.kind_ = Kind::kTimestamp;
  v.int_ = ms;
  return v;
}
Value Value::Blob(std::string bytes) {
  Value v;
  v.kind_ = Kind::kBlob;
  v.str_ = std::move(bytes);
  return v;
}
Value Value::List() {
  Value v;
  v.kind_ = Kind::kList;
  return v;
}
Value Value::Struct() {
  Value v;
  v.kind_ = Kind::kStruct;
  return v;
}

Value Value::Map() {
  Value v;
  v.kind_ = Kind::kStruct;
  v.is_map_ = true;
  return v;
}

double Value::double_value() const { return kind_ == Kind::kDouble ? double_ : static_cast<double>(int_); }

Value& Value::Append(Value v) {
  items_.push_back(std::move(v));
  return items_.back();
}

Value& Value::Set(std::string_view name, Value v) {
  for (auto& [k, existing] : members_) {
    if (k == name) {
      existing = std::move(v);
      return existing;
    }
  }
  members_.emplace_back(std::string(name), std::move(v));
  return members_.back().second;
}

const Value* Value::Find(std::string_view name) const {
  for (const auto& [k, v] : members_) {
    if (k == name) return v.is_null() ? nullptr : &v;
  }
  return nullptr;
}

}  // namespace sluice::cloudwatch
