// DescribeAlarmHistory: ConfigurationUpdate, StateUpdate and Action items, newest first by
// default, paged by MaxRecords / NextToken.
#include "cloudwatch/handlers/alarm_common.h"
#include "cloudwatch/handlers/common.h"
#include "cloudwatch/handlers/handlers.h"

namespace sluice::cloudwatch {

ApiError HandleDescribeAlarmHistory(const HandlerContext& ctx, const Value& input, Value* output) {
  alarms::AlarmService* svc;
  SLUICE_CW_RETURN_IF_ERROR(AlarmServiceOf(ctx, &svc));
  alarms::DescribeAlarmHistoryRequest r;
  r.alarm_name = OptString(input, "AlarmName");
  r.alarm_types = StringsOf(input, "AlarmTypes");
  r.history_item_type = OptString(input, "HistoryItemType");
  if (const Value* s = input.Find("StartDate")) r.start_ms = s->timestamp_ms();
  if (const Value* e = input.Find("EndDate")) r.end_ms = e->timestamp_ms();
  if (const Value* m = input.Find("MaxRecords")) r.max_records = m->int_value();
  r.next_token = OptString(input, "NextToken");
  r.scan_by = OptString(input, "ScanBy");
  alarms::DescribeAlarmHistoryPage page;
  SLUICE_CW_RETURN_IF_ERROR(FromAlarmError(svc->DescribeAlarmHistory(r, &page)));
  *output = Value::Struct();
  Value& list = output->Set("AlarmHistoryItems", Value::List());
  for (const auto& h : page.items) list.Append(HistoryItemToValue(h));
  if (!page.next_token.empty()) output->Set("NextToken", Value::String(page.next_token));
  return {};
}

}  // namespace sluice::cloudwatch
