#include "server/api/handlers/common.h"
#include "server/api/handlers/consumer_common.h"
#include "server/api/handlers/handler.h"
#include "server/api/stream_resolver.h"

namespace sluice::server::api {

Status HandleUntagResource(HandlerArgs& a) {
  protocol::UntagResourceRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  bool consumer = false;
  SLUICE_ASSIGN_OR_RETURN(auto target, ResolveTaggableResource(a.req.caller, *r.resource_arn, &consumer));
  int64_t now = a.ctx.clock->NowMillis();
  if (consumer) {
    return WriteConsumerByArn(a.ctx.catalog, target, *r.resource_arn, now,
                              [&](catalog::Consumer& c) { return RemoveTags(c.tags, *r.tag_keys); });
  }
  return WriteActiveStream(a.ctx.catalog, target.key(), now,
                           [&](catalog::Stream& s) { return RemoveTags(s, *r.tag_keys); });
}

}  // namespace sluice::server::api
