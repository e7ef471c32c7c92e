#include "model/hash_key.h"
#include "server/api/handlers/handler.h"
#include "server/api/handlers/throttle.h"
#include "server/api/stream_resolver.h"

namespace sluice::server::api {

Status HandleSplitShard(HandlerArgs& a) {
  protocol::SplitShardRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  SLUICE_ASSIGN_OR_RETURN(auto target, ResolveStream(a.req.caller, r));
  SLUICE_RETURN_IF_ERROR(CheckControlRate(a, limits::ControlAction::kSplitShard, target.name));
  // 39 digits may exceed 2^128-1: such a key is above every shard's end, which the catalog
  // reports like any other key outside the shard.
  model::HashKey key = model::ParseHashKey(*r.new_starting_hash_key).value_or(model::kMaxHashKey);
  return a.ctx.catalog->SplitShard(target.key(), *r.shard_to_split, key);
}

}  // namespace sluice::server::api
