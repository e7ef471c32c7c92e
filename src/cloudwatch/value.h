#pragma once
// The generic value tree every CloudWatch wire decodes into and encodes from: handlers read
// requests and build responses as Values, so one handler serves JSON 1.0, RPC v2 CBOR and query.
// Decoding is directed by the model (shapes.h), so a Value's kind is already the member's type
// (timestamps are Timestamp, not numbers); encoders need no model.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::cloudwatch {

class Value {
 public:
  enum class Kind : uint8_t { kNull, kBool, kInt, kDouble, kString, kTimestamp, kBlob, kList, kStruct };

  Value() = default;
  static Value Bool(bool b);
  static Value Int(int64_t v);
  static Value Double(double v);
  static Value String(std::string s);
  static Value TimestampMs(int64_t ms);
  static Value Blob(std::string bytes);
  static Value List();
  static Value Struct();
  // A map (string keys): a Struct on JSON and CBOR, <entry><key>…</key><value>…</value> in XML.
  static Value Map();
  bool is_map() const { return is_map_; }

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_list() const { return kind_ == Kind::kList; }
  bool is_struct() const { return kind_ == Kind::kStruct; }

  bool bool_value() const { return int_ != 0; }
  int64_t int_value() const { return int_; }                // kInt; kTimestamp: epoch milliseconds
  double double_value() const;                              // kDouble or kInt
  const std::string& string_value() const { return str_; }  // kString, kBlob
  int64_t timestamp_ms() const { return int_; }

  // kList
  const std::vector<Value>& items() const { return items_; }
  Value& Append(Value v);
  // kStruct (and maps): members in insertion order.
  const std::vector<std::pair<std::string, Value>>& members() const { return members_; }
  // Adds or replaces a member; returns it.
  Value& Set(std::string_view name, Value v);
  // nullptr when absent or null.
  const Value* Find(std::string_view name) const;

 private:
  Kind kind_ = Kind::kNull;
  bool is_map_ = false;
  int64_t int_ = 0;
  double double_ = 0;
  std::string str_;
  std::vector<Value> items_;
  std::vector<std::pair<std::string, Value>> members_;
};

}  // namespace sluice::cloudwatch
