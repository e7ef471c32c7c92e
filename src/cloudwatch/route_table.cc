// The operations this server implements. Model operations missing here answer InvalidAction.
#include "cloudwatch/handler.h"
#include "cloudwatch/handlers/handlers.h"

namespace sluice::cloudwatch {

std::span<const Route> Routes() {
  static constexpr Route kRoutes[] = {
      {"PutMetricData", &HandlePutMetricData},
      {"GetMetricStatistics", &HandleGetMetricStatistics},
      {"GetMetricData", &HandleGetMetricData},
      {"ListMetrics", &HandleListMetrics},
      {"PutMetricAlarm", &HandlePutMetricAlarm},
      {"DescribeAlarms", &HandleDescribeAlarms},
      {"DescribeAlarmsForMetric", &HandleDescribeAlarmsForMetric},
      {"DescribeAlarmHistory", &HandleDescribeAlarmHistory},
      {"DeleteAlarms", &HandleDeleteAlarms},
      {"SetAlarmState", &HandleSetAlarmState},
      {"EnableAlarmActions", &HandleEnableAlarmActions},
      {"DisableAlarmActions", &HandleDisableAlarmActions},
      {"TagResource", &HandleTagResource},
      {"UntagResource", &HandleUntagResource},
      {"ListTagsForResource", &HandleListTagsForResource},
  };
  return kRoutes;
}

}  // namespace sluice::cloudwatch
