#include "server/api/handlers/common.h"
#include "server/api/handlers/handler.h"
#include "server/api/handlers/starting_position.h"
#include "server/api/handlers/throttle.h"
#include "server/api/stream_resolver.h"

namespace sluice::server::api {

Status HandleGetShardIterator(HandlerArgs& a) {
  protocol::GetShardIteratorRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  SLUICE_ASSIGN_OR_RETURN(auto target, ResolveStream(a.req.caller, r));
  if (a.log) {
    a.log->stream_name = target.name;
    a.log->shard_id = *r.shard_id;
  }
  StartingPosition start{*r.shard_iterator_type, r.starting_sequence_number, r.timestamp};
  int64_t now = a.ctx.clock->NowMillis();
  SLUICE_RETURN_IF_ERROR(CheckStartingPosition(start, now));
  InjectLatency(a.ctx);
  std::string token;
  SLUICE_RETURN_IF_ERROR(a.ctx.catalog->Read(target.key(), [&](const catalog::Stream& s) -> Status {
    SLUICE_RETURN_IF_ERROR(RequireDataPlane(s, now));
    const catalog::Shard* sh = FindShard(s, *r.shard_id);
    if (!sh) return ShardNotFound(s, *r.shard_id);
    SLUICE_RETURN_IF_ERROR(AdmitGetShardIterator(a, s, sh->index));
    SLUICE_ASSIGN_OR_RETURN(uint64_t offset, StartingOffset(s, *sh, start, "GetShardIterator", now));
    token = model::EncodeShardIterator(a.ctx.iterator_key, {s.uid, sh->index, offset, now});
    return Status::Ok();
  }));
  protocol::JsonWriter w(a.out);
  w.BeginObject();
  w.Field("ShardIterator", token);
  w.EndObject();
  return Status::Ok();
}

}  // namespace sluice::server::api
