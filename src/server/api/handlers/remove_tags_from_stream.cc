#include "server/api/handlers/common.h"
#include "server/api/handlers/handler.h"
#include "server/api/stream_resolver.h"

namespace sluice::server::api {

Status HandleRemoveTagsFromStream(HandlerArgs& a) {
  protocol::RemoveTagsFromStreamRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  SLUICE_ASSIGN_OR_RETURN(auto target, ResolveStream(a.req.caller, r));
  return WriteActiveStream(a.ctx.catalog, target.key(), a.ctx.clock->NowMillis(),
                           [&](catalog::Stream& s) { return RemoveTags(s, *r.tag_keys); });
}

}  // namespace sluice::server::api
