#include "server/api/handlers/common.h"
#include "server/api/handlers/handler.h"
#include "server/api/stream_resolver.h"

namespace sluice::server::api {

Status HandleAddTagsToStream(HandlerArgs& a) {
  protocol::AddTagsToStreamRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  SLUICE_ASSIGN_OR_RETURN(auto target, ResolveStream(a.req.caller, r));
  return WriteActiveStream(a.ctx.catalog, target.key(), a.ctx.clock->NowMillis(),
                           [&](catalog::Stream& s) { return ApplyTags(s, *r.tags); });
}

}  // namespace sluice::server::api
