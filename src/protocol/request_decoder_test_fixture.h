#pragma once
// Shared by the request decoder's tests (request_decoder_*_test.cc): bodies padded the way the
// transport hands them over, and a fixture with expectation helpers.
#include <simdjson.h>

#include <deque>
#include <string>
#include <string_view>

#include "protocol/request_decoder.h"

namespace sluice::protocol {

// "prefix" + number without operator+(const char*, std::string&&), which trips GCC 12's
// -Wrestrict false positive (PR105329).
inline std::string Num(std::string_view prefix, long long n) {
  std::string s(prefix);
  s.append(std::to_string(n));
  return s;
}

// A request body the way the transport hands it over: the JSON text followed by at least
// SIMDJSON_PADDING readable bytes. The padding is deliberately filled with JSON-looking junk
// so a decoder that reads past the end of the body would notice.
class Body {
 public:
  explicit Body(std::string_view json) : size_(json.size()) {
    static constexpr std::string_view kJunk = ",\"StreamName\":\"evil\",\"Limit\":99}]}0123456789";
    buf_.reserve(json.size() + 2 * simdjson::SIMDJSON_PADDING);
    buf_.assign(json);
    while (buf_.size() < json.size() + simdjson::SIMDJSON_PADDING) buf_.append(kJunk);
  }
  std::string_view view() const { return {buf_.data(), size_}; }

 private:
  std::string buf_;
  size_t size_;
};

class DecoderTest : public ::testing::Test {
 public:
  template <typename R>
  Status DecodeFor(std::string_view json, R* r) {
    return Decode(json, r);
  }

 protected:
  template <typename R>
  Status Decode(std::string_view json, R* r) {
    bodies_.emplace_back(json);
    return decoder_.Decode(bodies_.back().view(), r);
  }

  template <typename R>
  void ExpectSerialization(std::string_view json) {
    R r;
    Status st = Decode(json, &r);
    EXPECT_EQ(st.code(), Errc::kSerialization) << json << " -> " << st.ToString();
  }

  template <typename R>
  void ExpectValidation(std::string_view json, std::string_view message) {
    R r;
    Status st = Decode(json, &r);
    EXPECT_EQ(st.code(), Errc::kValidation) << json << " -> " << st.ToString();
    EXPECT_EQ(st.message(), message) << json;
  }

  template <typename R>
  void ExpectOk(std::string_view json) {
    R r;
    Status st = Decode(json, &r);
    EXPECT_TRUE(st.ok()) << json << " -> " << st.ToString();
  }

  RequestDecoder decoder_;
  std::deque<Body> bodies_;
};

inline std::string NotNull(std::string_view path) {
  return "1 validation error detected: Value null at '" + std::string(path) +
         "' failed to satisfy constraint: Member must not be null";
}

inline constexpr std::string_view kArn = "arn:aws:kinesis:us-east-1:123456789012:stream/s1";

}  // namespace sluice::protocol
