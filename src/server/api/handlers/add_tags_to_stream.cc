#include "server/api/handlers/common.h"
#include "server/api/handlers/handler.h"
#include "server/api/stream_resolver.h"

namespace sluice::server::api {

Status HandleAddTagsToStream(HandlerArgs& a) {
  protocol::AddTagsToStreamRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  auto target = ResolveStream(a.req.caller, r);
  if (!target.ok()) return target.status();
  int64_t now = a.ctx.clock->NowMillis();
  return a.ctx.catalog->Write(target->key(), [&](catalog::Stream& s) -> Status {
    SLUICE_RETURN_IF_ERROR(RequireActive(s, now));
    return ApplyTags(s, *r.tags);
  });
}

}  // namespace sluice::server::api
