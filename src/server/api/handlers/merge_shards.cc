#include "server/api/handlers/handler.h"
#include "server/api/handlers/throttle.h"
#include "server/api/stream_resolver.h"

namespace sluice::server::api {

Status HandleMergeShards(HandlerArgs& a) {
  protocol::MergeShardsRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  SLUICE_ASSIGN_OR_RETURN(auto target, ResolveStream(a.req.caller, r));
  SLUICE_RETURN_IF_ERROR(CheckControlRate(a, limits::ControlAction::kMergeShards, target.name));
  return a.ctx.catalog->MergeShards(target.key(), *r.shard_to_merge, *r.adjacent_shard_to_merge);
}

}  // namespace sluice::server::api
