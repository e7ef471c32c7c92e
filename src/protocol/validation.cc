#include "protocol/validation.h"

#include <algorithm>

#include "model/hash_key.h"
#include "model/sequence_number.h"

namespace sluice::protocol {
namespace {

constexpr int kMaxReported = 10;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Matches `arn:aws.*:kinesis:.*:\d{12}:<infix>stream/\S+` where infix is ".*" if any_infix.
// Whether some split of s matches "arn:aws.*:kinesis:.*:\d{12}:" + R, where rest_ok(R) says
// whether the remainder matches the rest of the pattern.
template <typename RestOk>
bool MatchesArnPrefix(std::string_view s, RestOk rest_ok) {
  if (s.substr(0, 7) != "arn:aws") return false;
  // In the service's (Java) regex '.' matches no line terminator.
  if (s.find_first_of("\r\n") != std::string_view::npos) return false;
  for (size_t k = s.find(":kinesis:", 7); k != std::string_view::npos; k = s.find(":kinesis:", k + 1)) {
    // ".*" then ":" + 12 digits + ":" — the colon ending ":kinesis:" cannot serve twice.
    for (size_t j = k + 9; j + 14 <= s.size(); ++j) {
      if (s[j] != ':') continue;
      bool digits = true;
      for (size_t d = 1; d <= 12; ++d) digits = digits && IsDigit(s[j + d]);
      if (!digits || s[j + 13] != ':') continue;
      if (rest_ok(s.substr(j + 14))) return true;
    }
  }
  return false;
}

bool MatchesArn(std::string_view s, bool any_infix) {
  return MatchesArnPrefix(s, [any_infix](std::string_view rest) {
    for (size_t p = rest.find("stream/"); p != std::string_view::npos; p = rest.find("stream/", p + 1)) {
      if (!any_infix && p != 0) break;
      std::string_view tail = rest.substr(p + 7);
      if (!tail.empty() && std::none_of(tail.begin(), tail.end(), IsSpace)) return true;
    }
    return false;
  });
}

std::string Quote(std::string_view v) {
  std::string s = "'";
  s.append(v);
  s.push_back('\'');
  return s;
}

}  // namespace

bool MatchesName(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '_' || c == '.' || c == '-';
  });
}
bool MatchesStreamArn(std::string_view s) { return MatchesArn(s, false); }
bool MatchesResourceArn(std::string_view s) { return MatchesArn(s, true); }

bool MatchesConsumerArn(std::string_view s) {
  // The tail "stream/NAME/consumer/NAME:DIGITS" is fixed from the end: names hold neither '/'
  // nor ':', so the last ':' ends the consumer name and the '/' before it starts it.
  size_t colon = s.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == s.size()) return false;
  std::string_view digits = s.substr(colon + 1);
  if (!std::all_of(digits.begin(), digits.end(), IsDigit)) return false;
  std::string_view head = s.substr(0, colon);
  constexpr std::string_view kConsumer = "/consumer/";
  size_t c = head.rfind('/');
  if (c == std::string_view::npos || c + 1 == head.size() || !MatchesName(head.substr(c + 1))) return false;
  if (c + 1 < kConsumer.size() || head.substr(c + 1 - kConsumer.size(), kConsumer.size()) != kConsumer) return false;
  head = head.substr(0, c + 1 - kConsumer.size());
  size_t st = head.rfind('/');
  if (st == std::string_view::npos || st + 1 == head.size() || !MatchesName(head.substr(st + 1))) return false;
  constexpr std::string_view kStream = "stream/";
  if (st + 1 < kStream.size() || head.substr(st + 1 - kStream.size(), kStream.size()) != kStream) return false;
  std::string_view prefix = s.substr(0, st + 1 - kStream.size());
  // The prefix must be "arn:aws.*:kinesis:.*:\d{12}:.*": anything may follow the account.
  return MatchesArnPrefix(prefix, [](std::string_view) { return true; });
}
bool MatchesHashKey(std::string_view s) { return model::MatchesHashKeyPattern(s); }
bool MatchesSequenceNumber(std::string_view s) { return model::MatchesSequenceNumberPattern(s); }

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

void Validator::Fail(std::string_view value_repr, std::string_view path, std::string_view rule) {
  ++count_;
  if (count_ > kMaxReported) return;
  if (!details_.empty()) details_.append("; ");
  details_.append("Value ").append(value_repr).append(" at '").append(path);
  details_.append("' failed to satisfy constraint: Member must ").append(rule);
}

void Validator::MaxLength(std::optional<std::string_view> v, size_t max, std::string_view path) {
  if (v && v->size() > max) Fail(Quote(*v), path, "have length less than or equal to " + std::to_string(max));
}
void Validator::MinLength(std::optional<std::string_view> v, size_t min, std::string_view path) {
  if (v && v->size() < min) Fail(Quote(*v), path, "have length greater than or equal to " + std::to_string(min));
}
void Validator::CharLength(std::optional<std::string_view> v, size_t min, size_t max, std::string_view path) {
  if (!v) return;
  size_t n = Utf8Length(*v);
  if (n < min) Fail(Quote(*v), path, "have length greater than or equal to " + std::to_string(min));
  if (n > max) Fail(Quote(*v), path, "have length less than or equal to " + std::to_string(max));
}
void Validator::Pattern(std::optional<std::string_view> v, bool (*matches)(std::string_view), std::string_view pattern,
                        std::string_view path) {
  if (v && !matches(*v)) Fail(Quote(*v), path, "satisfy regular expression pattern: " + std::string(pattern));
}
void Validator::Range(std::optional<int64_t> v, std::optional<int64_t> min, std::optional<int64_t> max,
                      std::string_view path) {
  if (!v) return;
  if (min && *v < *min)
    Fail(Quote(std::to_string(*v)), path, "have value greater than or equal to " + std::to_string(*min));
  if (max && *v > *max)
    Fail(Quote(std::to_string(*v)), path, "have value less than or equal to " + std::to_string(*max));
}
void Validator::Enum(std::optional<std::string_view> v, std::initializer_list<std::string_view> allowed,
                     std::string_view path) {
  if (!v) return;
  for (auto a : allowed)
    if (a == *v) return;
  std::string rule = "satisfy enum value set: [";
  bool first = true;
  for (auto a : allowed) {
    if (!first) rule.append(", ");
    rule.append(a);
    first = false;
  }
  rule.push_back(']');
  Fail(Quote(*v), path, rule);
}
void Validator::BlobMaxLength(std::optional<size_t> len, size_t max, std::string_view path) {
  if (!len || *len <= max) return;
  std::string n = std::to_string(*len);
  Fail("'java.nio.HeapByteBuffer[pos=0 lim=" + n + " cap=" + n + "]'", path,
       "have length less than or equal to " + std::to_string(max));
}
void Validator::ListLength(std::optional<size_t> n, size_t min, size_t max, std::string_view path,
                           std::string_view repr) {
  if (!n) return;
  if (*n < min) Fail(Quote(repr), path, "have length greater than or equal to " + std::to_string(min));
  if (*n > max) Fail(Quote(repr), path, "have length less than or equal to " + std::to_string(max));
}

std::string Validator::Message() const {
  std::string m = std::to_string(count_);
  m.append(count_ == 1 ? " validation error detected: " : " validation errors detected: ");
  m.append(details_);
  return m;
}

}  // namespace sluice::protocol
