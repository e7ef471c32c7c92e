#pragma once
// Tiny streaming JSON writer with string escaping, for request bodies and result files.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::bench {

class JsonWriter {
 public:
  JsonWriter& BeginObject() {
    Pre();
    out_ += '{';
    first_.push_back(true);
    return *this;
  }
  JsonWriter& EndObject() {
    out_ += '}';
    first_.pop_back();
    return *this;
  }
  JsonWriter& BeginArray() {
    Pre();
    out_ += '[';
    first_.push_back(true);
    return *this;
  }
  JsonWriter& EndArray() {
    out_ += ']';
    first_.pop_back();
    return *this;
  }
  JsonWriter& Key(std::string_view k) {
    Pre();
    Escaped(k);
    out_ += ':';
    after_key_ = true;
    return *this;
  }
  JsonWriter& String(std::string_view s) {
    Pre();
    Escaped(s);
    return *this;
  }
  JsonWriter& Int(int64_t v) {
    Pre();
    out_ += std::to_string(v);
    return *this;
  }
  JsonWriter& UInt(uint64_t v) {
    Pre();
    out_ += std::to_string(v);
    return *this;
  }
  JsonWriter& Bool(bool v) {
    Pre();
    out_ += v ? "true" : "false";
    return *this;
  }
  JsonWriter& Double(double v) {
    Pre();
    if (!std::isfinite(v)) {
      out_ += "null";
    } else {
      char b[32];
      std::snprintf(b, sizeof b, "%.3f", v);
      out_ += b;
    }
    return *this;
  }
  // Inserts already-serialized JSON as a value.
  JsonWriter& Raw(std::string_view json) {
    Pre();
    out_ += json;
    return *this;
  }

  bool Empty() const { return out_.empty(); }
  const std::string& str() const { return out_; }
  std::string Take() {
    first_.clear();
    after_key_ = false;
    return std::move(out_);
  }

 private:
  void Pre() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_.empty()) {
      if (!first_.back()) out_ += ',';
      first_.back() = false;
    }
  }
  void Escaped(std::string_view s) {
    out_ += '"';
    for (char c : s) {
      switch (c) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        case '\n': out_ += "\\n"; break;
        case '\r': out_ += "\\r"; break;
        case '\t': out_ += "\\t"; break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char b[8];
            std::snprintf(b, sizeof b, "\\u%04x", c);
            out_ += b;
          } else {
            out_ += c;
          }
      }
    }
    out_ += '"';
  }

  std::string out_;
  std::vector<bool> first_;
  bool after_key_ = false;
};

}  // namespace sluice::bench
