#include <algorithm>
#include <cstdint>

#include "protocol/json_writer.h"
#include "server/api/handlers/handler.h"
#include "server/api/handlers/throttle.h"
#include "server/api/stream_resolver.h"

namespace sluice::server::api {

Status HandleUpdateShardCount(HandlerArgs& a) {
  protocol::UpdateShardCountRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  SLUICE_ASSIGN_OR_RETURN(auto target, ResolveStream(a.req.caller, r));
  SLUICE_RETURN_IF_ERROR(CheckControlRate(a, limits::ControlAction::kUpdateShardCount, target.name));
  // Counts beyond uint32 fail the "at most double" rule like any other too-large target.
  uint32_t count = static_cast<uint32_t>(std::min<int64_t>(*r.target_shard_count, UINT32_MAX));
  SLUICE_ASSIGN_OR_RETURN(auto change, a.ctx.catalog->UpdateShardCount(target.key(), count));
  protocol::JsonWriter w(a.out);
  w.BeginObject();
  w.Field("StreamName", target.name);
  w.FieldInt("CurrentShardCount", change.current);
  w.FieldInt("TargetShardCount", change.target);
  w.Field("StreamARN", catalog::StreamArn(target.region, target.account, target.name));
  w.EndObject();
  return Status::Ok();
}

}  // namespace sluice::server::api
