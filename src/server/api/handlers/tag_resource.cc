#include "server/api/handlers/common.h"
#include "server/api/handlers/handler.h"
#include "server/api/stream_resolver.h"

namespace sluice::server::api {

Status HandleTagResource(HandlerArgs& a) {
  protocol::TagResourceRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  auto target = ResolveTaggableResource(a.req.caller, *r.resource_arn);
  if (!target.ok()) return target.status();
  return WriteActiveStream(a.ctx.catalog, target->key(), a.ctx.clock->NowMillis(),
                           [&](catalog::Stream& s) { return ApplyTags(s, *r.tags); });
}

}  // namespace sluice::server::api
