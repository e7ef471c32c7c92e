#pragma once
// A small streaming JSON writer over a caller-owned std::string (reused across responses).
// Escapes every string; comma placement is tracked so callers cannot produce invalid JSON.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace sluice::protocol {

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  void BeginObject() {
    Sep();
    out_->push_back('{');
    Push();
  }
  void EndObject() {
    Pop();
    out_->push_back('}');
  }
  void BeginArray() {
    Sep();
    out_->push_back('[');
    Push();
  }
  void EndArray() {
    Pop();
    out_->push_back(']');
  }
  void Key(std::string_view k);
  void String(std::string_view s);
  void Int(int64_t v);
  void Bool(bool b) {
    Sep();
    out_->append(b ? "true" : "false");
  }
  void Null() {
    Sep();
    out_->append("null");
  }
  // Epoch milliseconds as JSON seconds with millisecond precision, e.g. 1701760153.593.
  void TimestampMillis(int64_t ms);
  // Appends already-encoded JSON text as one value (e.g. base64 written in place).
  void RawValue(std::string_view json) {
    Sep();
    out_->append(json);
  }
  // Writes an opening quote and returns; caller appends raw safe chars then calls EndRawString.
  void BeginRawString() {
    Sep();
    out_->push_back('"');
  }
  void EndRawString() { out_->push_back('"'); }

  // Convenience members.
  void Field(std::string_view k, std::string_view v) {
    Key(k);
    String(v);
  }
  void FieldInt(std::string_view k, int64_t v) {
    Key(k);
    Int(v);
  }
  void FieldBool(std::string_view k, bool v) {
    Key(k);
    Bool(v);
  }

  std::string* out() { return out_; }

 private:
  void Sep() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (depth_ > 0) {
      if (has_item_[depth_]) out_->push_back(',');
      has_item_[depth_] = true;
    }
  }
  void Push() {
    // Responses nest a handful of levels; deeper would be a programming error.
    if (depth_ + 1 >= kMaxDepth) std::abort();
    ++depth_;
    has_item_[depth_] = false;
  }
  void Pop() { --depth_; }

  std::string* out_;
  int depth_ = 0;
  bool after_key_ = false;
  static constexpr int kMaxDepth = 32;
  bool has_item_[kMaxDepth] = {};
};

}  // namespace sluice::protocol
