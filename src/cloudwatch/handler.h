#pragma once
// What a CloudWatch operation handler sees and returns. One file per operation under
// handlers/, registered in route_table.cc (see README.md).
#include <cstdint>
#include <span>
#include <string_view>

#include "base/clock.h"
#include "cloudwatch/errors.h"
#include "cloudwatch/value.h"
#include "metrics/metric_store.h"
#include "server/api/dispatcher.h"

namespace sluice::alarms {
class AlarmService;
}  // namespace sluice::alarms

namespace sluice::cloudwatch {

// The services handlers use. Owned by the server; all outlive the dispatcher.
struct CloudWatchServices {
  metrics::MetricStore* store = nullptr;
  const Clock* clock = nullptr;
  alarms::AlarmService* alarms = nullptr;  // the alarm operations; null: they answer InternalServiceError
};

struct HandlerContext {
  const server::api::ApiRequest& request;
  const CloudWatchServices& services;
  int64_t now_ms;
};

// Reads the decoded, model-validated input; fills *output (a Struct for operations with an
// output shape, left null otherwise) or returns the error. Must validate everything before it
// changes anything.
using HandlerFn = ApiError (*)(const HandlerContext& ctx, const Value& input, Value* output);

struct Route {
  std::string_view operation;
  HandlerFn handler;
};

// The operations this server implements (route_table.cc).
std::span<const Route> Routes();
// The route for `operation`, or nullptr.
const Route* FindRoute(std::string_view operation);

}  // namespace sluice::cloudwatch
