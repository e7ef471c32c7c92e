#pragma once
// The CloudWatch errors the alarm operations can fail with. The alarm module names them by kind;
// the CloudWatch codec maps kinds to wire names and HTTP statuses.
#include <cstdint>
#include <string>
#include <utility>

namespace sluice::alarms {

enum class AlarmErrorKind : uint8_t {
  kNone,
  kInvalidParameterValue,        // 400
  kInvalidParameterCombination,  // 400
  kMissingParameter,             // 400
  kResourceNotFound,             // 404 (DeleteAlarms, SetAlarmState)
  kResourceNotFoundTagging,      // 404, the tagging operations' ResourceNotFoundException
  kInvalidNextToken,             // 400
  kInvalidFormat,                // 400 (SetAlarmState's StateReasonData)
  kLimitExceeded,                // 400
  kInternal,                     // 500
};

struct AlarmError {
  AlarmErrorKind kind = AlarmErrorKind::kNone;
  std::string message;

  static AlarmError Ok() { return {}; }
  bool ok() const { return kind == AlarmErrorKind::kNone; }
};

inline AlarmError InvalidValue(std::string msg) { return {AlarmErrorKind::kInvalidParameterValue, std::move(msg)}; }
inline AlarmError InvalidCombination(std::string msg) {
  return {AlarmErrorKind::kInvalidParameterCombination, std::move(msg)};
}
inline AlarmError MissingParam(std::string msg) { return {AlarmErrorKind::kMissingParameter, std::move(msg)}; }

}  // namespace sluice::alarms

#define SLUICE_ALARM_RETURN_IF_ERROR(expr)                   \
  do {                                                       \
    ::sluice::alarms::AlarmError sluice_alarm_err_ = (expr); \
    if (!sluice_alarm_err_.ok()) return sluice_alarm_err_;   \
  } while (0)
