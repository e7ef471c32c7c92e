#pragma once
// Model-constraint validation with the Coral message format AWS returns:
//   "2 validation errors detected: Value 'x' at 'streamName' failed to satisfy constraint:
//    Member must ...; Value null at 'shardId' failed to satisfy constraint: Member must not be null"
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::protocol {

class Validator {
 public:
  // path: lower-camel member path, e.g. "streamName" or "records.3.member.partitionKey".
  void Fail(std::string_view value_repr, std::string_view path, std::string_view rule);
  void NotNull(bool present, std::string_view path) {
    if (!present) Fail("null", path, "not be null");
  }
  void MaxLength(std::optional<std::string_view> v, size_t max, std::string_view path);
  void MinLength(std::optional<std::string_view> v, size_t min, std::string_view path);
  void Length(std::optional<std::string_view> v, size_t min, size_t max, std::string_view path) {
    MinLength(v, min, path);
    MaxLength(v, max, path);
  }
  // Length bounds counted in characters (UTF-8 code points), as the model's string lengths are.
  void CharLength(std::optional<std::string_view> v, size_t min, size_t max, std::string_view path);
  void Pattern(std::optional<std::string_view> v, bool (*matches)(std::string_view), std::string_view pattern,
               std::string_view path);
  void Range(std::optional<int64_t> v, std::optional<int64_t> min, std::optional<int64_t> max, std::string_view path);
  void Enum(std::optional<std::string_view> v, std::initializer_list<std::string_view> allowed, std::string_view path);
  // Blob length bounds (decoded bytes); value printed the way the Java service prints buffers.
  void BlobMaxLength(std::optional<size_t> len, size_t max, std::string_view path);
  void ListLength(std::optional<size_t> n, size_t min, size_t max, std::string_view path, std::string_view repr);

  bool ok() const { return count_ == 0; }
  std::string Message() const;

 private:
  int count_ = 0;
  std::string details_;
};

// Anchored matchers for the model's patterns.
bool MatchesName(std::string_view s);         // [a-zA-Z0-9_.-]+
bool MatchesStreamArn(std::string_view s);    // arn:aws.*:kinesis:.*:\d{12}:stream/\S+
bool MatchesResourceArn(std::string_view s);  // arn:aws.*:kinesis:.*:\d{12}:.*stream/\S+
// ^(arn):aws.*:kinesis:.*:\d{12}:.*stream\/[a-zA-Z0-9_.-]+\/consumer\/[a-zA-Z0-9_.-]+:[0-9]+
bool MatchesConsumerArn(std::string_view s);
bool MatchesHashKey(std::string_view s);         // 0|([1-9]\d{0,38})
bool MatchesSequenceNumber(std::string_view s);  // 0|([1-9]\d{0,128})
size_t Utf8Length(std::string_view s);

inline constexpr std::string_view kNamePattern = "[a-zA-Z0-9_.-]+";
inline constexpr std::string_view kStreamArnPattern = "arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+";
inline constexpr std::string_view kResourceArnPattern = "arn:aws.*:kinesis:.*:\\d{12}:.*stream/\\S+";
inline constexpr std::string_view kConsumerArnPattern =
    "^(arn):aws.*:kinesis:.*:\\d{12}:.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/[a-zA-Z0-9_.-]+:[0-9]+";
inline constexpr std::string_view kHashKeyPattern = "0|([1-9]\\d{0,38})";
inline constexpr std::string_view kSequenceNumberPattern = "0|([1-9]\\d{0,128})";

}  // namespace sluice::protocol
