// EnableEnhancedMonitoring / DisableEnhancedMonitoring: which shard-level metrics a stream emits.
// The list is persisted with the stream; the catalog then renews the stream's metric recorder,
// which allocates per-shard counters only while at least one metric is enabled.
#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "protocol/json_writer.h"
#include "server/api/handlers/common.h"
#include "server/api/handlers/handler.h"
#include "server/api/kinesis_metrics.h"
#include "server/api/stream_resolver.h"

namespace sluice::server::api {
namespace {

enum class Change : uint8_t { kEnable, kDisable };

Status ChangeEnhancedMonitoring(HandlerArgs& a, Change change) {
  protocol::EnhancedMonitoringRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  SLUICE_ASSIGN_OR_RETURN(auto target, ResolveStream(a.req.caller, r));
  std::vector<std::string> named = kinesis_metrics::ExpandShardLevelMetrics(*r.shard_level_metrics);
  std::vector<std::string> current, desired;
  std::string arn;
  SLUICE_RETURN_IF_ERROR(
      WriteActiveStream(a.ctx.catalog, target.key(), a.ctx.clock->NowMillis(), [&](catalog::Stream& s) {
        current = s.shard_level_metrics;
        arn = s.arn;
        auto has = [](const std::vector<std::string>& v, std::string_view n) {
          return std::find(v.begin(), v.end(), n) != v.end();
        };
        // Kept in the model's order whatever order the calls came in.
        std::vector<std::string_view> all_names = {"ALL"};
        for (const std::string& n : kinesis_metrics::ExpandShardLevelMetrics(all_names)) {
          bool on = change == Change::kEnable ? has(current, n) || has(named, n) : has(current, n) && !has(named, n);
          if (on) desired.push_back(n);
        }
        s.shard_level_metrics = desired;
        return Status::Ok();
      }));
  protocol::JsonWriter w(a.out);
  w.BeginObject();
  w.Field("StreamName", target.name);
  w.Field("StreamARN", arn);
  w.Key("CurrentShardLevelMetrics");
  w.BeginArray();
  for (const auto& m : current) w.String(m);
  w.EndArray();
  w.Key("DesiredShardLevelMetrics");
  w.BeginArray();
  for (const auto& m : desired) w.String(m);
  w.EndArray();
  w.EndObject();
  return Status::Ok();
}

}  // namespace

Status HandleEnableEnhancedMonitoring(HandlerArgs& a) { return ChangeEnhancedMonitoring(a, Change::kEnable); }
Status HandleDisableEnhancedMonitoring(HandlerArgs& a) { return ChangeEnhancedMonitoring(a, Change::kDisable); }

}  // namespace sluice::server::api
