// TagResource, UntagResource and ListTagsForResource on alarm ARNs.
#include "cloudwatch/handlers/alarm_common.h"
#include "cloudwatch/handlers/common.h"
#include "cloudwatch/handlers/handlers.h"

namespace sluice::cloudwatch {

ApiError HandleTagResource(const HandlerContext& ctx, const Value& input, Value* output) {
  alarms::AlarmService* svc;
  SLUICE_CW_RETURN_IF_ERROR(AlarmServiceOf(ctx, &svc));
  alarms::Tags tags;
  for (const Value& t : ListOf(input, "Tags"))
    tags.emplace_back(std::string(StringOr(t, "Key")), std::string(StringOr(t, "Value")));
  SLUICE_CW_RETURN_IF_ERROR(FromAlarmError(svc->TagResource(std::string(StringOr(input, "ResourceARN")), tags)));
  *output = Value::Struct();
  return {};
}

ApiError HandleUntagResource(const HandlerContext& ctx, const Value& input, Value* output) {
  alarms::AlarmService* svc;
  SLUICE_CW_RETURN_IF_ERROR(AlarmServiceOf(ctx, &svc));
  SLUICE_CW_RETURN_IF_ERROR(
      FromAlarmError(svc->UntagResource(std::string(StringOr(input, "ResourceARN")), StringsOf(input, "TagKeys"))));
  *output = Value::Struct();
  return {};
}

ApiError HandleListTagsForResource(const HandlerContext& ctx, const Value& input, Value* output) {
  alarms::AlarmService* svc;
  SLUICE_CW_RETURN_IF_ERROR(AlarmServiceOf(ctx, &svc));
  alarms::Tags tags;
  SLUICE_CW_RETURN_IF_ERROR(
      FromAlarmError(svc->ListTagsForResource(std::string(StringOr(input, "ResourceARN")), &tags)));
  *output = Value::Struct();
  Value& list = output->Set("Tags", Value::List());
  for (const auto& [k, v] : tags) {
    Value t = Value::Struct();
    t.Set("Key", Value::String(k));
    t.Set("Value", Value::String(v));
    list.Append(std::move(t));
  }
  return {};
}

}  // namespace sluice::cloudwatch
