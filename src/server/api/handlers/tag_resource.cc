#include "server/api/handlers/common.h"
#include "server/api/handlers/consumer_common.h"
#include "server/api/handlers/handler.h"
#include "server/api/stream_resolver.h"

namespace sluice::server::api {

Status HandleTagResource(HandlerArgs& a) {
  protocol::TagResourceRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  bool consumer = false;
  SLUICE_ASSIGN_OR_RETURN(auto target, ResolveTaggableResource(a.req.caller, *r.resource_arn, &consumer));
  int64_t now = a.ctx.clock->NowMillis();
  if (consumer) {
    return WriteConsumerByArn(a.ctx.catalog, target, *r.resource_arn, now,
                              [&](catalog::Consumer& c) { return ApplyTags(c.tags, *r.tags, "consumer", c.arn); });
  }
  return WriteActiveStream(a.ctx.catalog, target.key(), now, [&](catalog::Stream& s) { return ApplyTags(s, *r.tags); });
}

}  // namespace sluice::server::api
