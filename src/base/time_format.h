#pragma once
// UTC calendar arithmetic and the textual timestamp forms the project writes and reads. Pure
// functions on Unix milliseconds: no clock, no locale, no time zone database. Years 0-9999.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

// The instants the formatters cover: 0000-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z.
inline constexpr int64_t kMinFormattableMillis = -62'167'219'200'000;
inline constexpr int64_t kMaxFormattableMillis = 253'402'300'799'999;

// "20150830T123600Z": ISO 8601 basic format, whole seconds (SigV4's X-Amz-Date).
inline constexpr size_t kIso8601BasicSize = 16;
void FormatIso8601Basic(int64_t unix_millis, char out[kIso8601BasicSize]);
std::string FormatIso8601Basic(int64_t unix_millis);
std::optional<int64_t> ParseIso8601Basic(std::string_view s);

// Extended ISO 8601 date-time as AWS query/XML protocols send it: YYYY-MM-DDTHH:MM[:SS[.fff…]]
// with an optional Z or ±HH[:]MM offset (none = UTC); digits past milliseconds are truncated.
std::optional<int64_t> ParseIso8601(std::string_view s);

// "Sun, 30 Aug 2015 12:36:00 GMT": RFC 1123, the HTTP Date header. Parsing ignores surrounding
// spaces and tabs.
inline constexpr size_t kHttpDateSize = 29;
void FormatHttpDate(int64_t unix_millis, char out[kHttpDateSize]);
std::optional<int64_t> ParseHttpDate(std::string_view s);

// "2015-08-30T12:36:00.123Z": ISO 8601 extended format with milliseconds (logs, tools).
inline constexpr size_t kIso8601MillisSize = 24;
void FormatIso8601Millis(int64_t unix_millis, char out[kIso8601MillisSize]);
std::string FormatIso8601Millis(int64_t unix_millis);

// "Sun Aug 30 12:36:00 UTC 2015": java.util.Date#toString in UTC, as AWS error messages quote
// instants.
std::string FormatJavaDate(int64_t unix_millis);

}  // namespace sluice
