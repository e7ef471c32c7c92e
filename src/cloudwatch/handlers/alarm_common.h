#pragma once
// Shared by the alarm handlers: the alarm service's errors as CloudWatch errors, alarms and
// history items as the model's output shapes, and the service lookup.
#include <string>
#include <vector>

#include "alarms/alarm.h"
#include "alarms/alarm_error.h"
#include "alarms/alarm_service.h"
#include "cloudwatch/errors.h"
#include "cloudwatch/handler.h"
#include "cloudwatch/value.h"

namespace sluice::cloudwatch {

ApiError FromAlarmError(const alarms::AlarmError& e);
// The alarm service, or an InternalServiceError when the server runs without one.
ApiError AlarmServiceOf(const HandlerContext& ctx, alarms::AlarmService** out);

// The MetricAlarm output shape.
Value AlarmToValue(const alarms::Alarm& a);
// The AlarmHistoryItem output shape.
Value HistoryItemToValue(const alarms::HistoryItem& h);
// Dimensions as the model lists them ({Name, Value}), in the given order.
std::vector<metrics::Dimension> DimensionsOf(const Value& v, std::string_view member = "Dimensions");
// A list-of-strings member.
std::vector<std::string> StringsOf(const Value& v, std::string_view member);
std::optional<std::string> OptString(const Value& v, std::string_view member);

}  // namespace sluice::cloudwatch
