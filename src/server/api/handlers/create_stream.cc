#include "server/api/handlers/common.h"
#include "server/api/handlers/handler.h"
#include "server/api/handlers/throttle.h"
#include "server/api/stream_resolver.h"

namespace sluice::server::api {

Status HandleCreateStream(HandlerArgs& a) {
  protocol::CreateStreamRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  if (r.stream_arn && !r.stream_name) {
    return Status(Errc::kValidation,
                  "1 validation error detected: Value null at 'streamName' failed to satisfy constraint: Member must "
                  "not be null");
  }
  SLUICE_ASSIGN_OR_RETURN(auto target, ResolveStream(a.req.caller, r));
  SLUICE_RETURN_IF_ERROR(CheckControlRate(a, limits::ControlAction::kCreateStream, target.name));

  catalog::CreateStreamSpec spec;
  spec.key = target.key();
  // Without a mode, a ShardCount means provisioned; neither means on-demand (what the
  // console and CLI get today when no shard count is chosen).
  bool on_demand = r.stream_mode ? *r.stream_mode == "ON_DEMAND" : !r.shard_count.has_value();
  if (on_demand) {
    if (r.shard_count) return Status(Errc::kValidation, "ShardCount is not expected when StreamMode=ON_DEMAND");
    spec.mode = catalog::StreamMode::kOnDemand;
  } else {
    if (!r.shard_count) return Status(Errc::kInvalidArgument, "ShardCount is required when StreamMode=PROVISIONED");
    spec.mode = catalog::StreamMode::kProvisioned;
    spec.shard_count = static_cast<uint32_t>(std::min<int64_t>(*r.shard_count, UINT32_MAX));
  }
  if (r.warm_throughput_mibps && *r.warm_throughput_mibps > 0) {
    return Status(Errc::kInvalidArgument,
                  "WarmThroughputMiBps requires an ON_DEMAND stream in an account whose "
                  "MinimumThroughputBillingCommitment is ENABLED.");
  }
  if (r.max_record_size_kib) spec.max_record_size_kib = static_cast<int32_t>(*r.max_record_size_kib);
  if (r.tags) {
    SLUICE_RETURN_IF_ERROR(CheckTags(*r.tags));
    if (r.tags->size() > 50) {
      return Status(Errc::kLimitExceeded, "Failed to create stream " + target.name +
                                              " because a given stream cannot have more than 50 tags.");
    }
    for (const auto& [k, v] : *r.tags) spec.tags.emplace_back(k, v);
  }
  return a.ctx.catalog->CreateStream(spec);
}

}  // namespace sluice::server::api
