#include "protocol/json_writer.h"
#include "server/api/handlers/handler.h"
#include "server/api/handlers/throttle.h"

namespace sluice::server::api {

Status HandleDescribeLimits(HandlerArgs& a) {
  protocol::EmptyRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  SLUICE_RETURN_IF_ERROR(CheckControlRate(a, limits::ControlAction::kDescribeLimits));
  catalog::AccountUsage u = a.ctx.catalog->Usage(a.req.caller.account_id, a.req.caller.region);
  const auto& o = a.ctx.catalog->options();
  protocol::JsonWriter w(a.out);
  w.BeginObject();
  w.FieldInt("ShardLimit", o.shard_limit);
  w.FieldInt("OpenShardCount", u.open_provisioned_shards);
  w.FieldInt("OnDemandStreamCount", u.on_demand_streams);
  w.FieldInt("OnDemandStreamCountLimit", o.on_demand_stream_limit);
  w.EndObject();
  return Status::Ok();
}

}  // namespace sluice::server::api
