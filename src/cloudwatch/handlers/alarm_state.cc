// DeleteAlarms, SetAlarmState, EnableAlarmActions and DisableAlarmActions.
#include "cloudwatch/handlers/alarm_common.h"
#include "cloudwatch/handlers/common.h"
#include "cloudwatch/handlers/handlers.h"

namespace sluice::cloudwatch {

ApiError HandleDeleteAlarms(const HandlerContext& ctx, const Value& input, Value* /*output*/) {
  alarms::AlarmService* svc;
  SLUICE_CW_RETURN_IF_ERROR(AlarmServiceOf(ctx, &svc));
  return FromAlarmError(svc->DeleteAlarms(StringsOf(input, "AlarmNames")));
}

ApiError HandleSetAlarmState(const HandlerContext& ctx, const Value& input, Value* /*output*/) {
  alarms::AlarmService* svc;
  SLUICE_CW_RETURN_IF_ERROR(AlarmServiceOf(ctx, &svc));
  return FromAlarmError(
      svc->SetAlarmState(std::string(StringOr(input, "AlarmName")), std::string(StringOr(input, "StateValue")),
                         std::string(StringOr(input, "StateReason")), OptString(input, "StateReasonData")));
}

ApiError HandleEnableAlarmActions(const HandlerContext& ctx, const Value& input, Value* /*output*/) {
  alarms::AlarmService* svc;
  SLUICE_CW_RETURN_IF_ERROR(AlarmServiceOf(ctx, &svc));
  return FromAlarmError(svc->SetActionsEnabled(StringsOf(input, "AlarmNames"), true));
}

ApiError HandleDisableAlarmActions(const HandlerContext& ctx, const Value& input, Value* /*output*/) {
  alarms::AlarmService* svc;
  SLUICE_CW_RETURN_IF_ERROR(AlarmServiceOf(ctx, &svc));
  return FromAlarmError(svc->SetActionsEnabled(StringsOf(input, "AlarmNames"), false));
}

}  // namespace sluice::cloudwatch
