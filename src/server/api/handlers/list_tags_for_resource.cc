#include "server/api/handlers/common.h"
#include "server/api/handlers/handler.h"
#include "server/api/stream_resolver.h"

namespace sluice::server::api {

Status HandleListTagsForResource(HandlerArgs& a) {
  protocol::ListTagsForResourceRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  bool consumer = false;
  SLUICE_ASSIGN_OR_RETURN(auto target, ResolveTaggableResource(a.req.caller, *r.resource_arn, &consumer));
  protocol::JsonWriter w(a.out);
  if (consumer) {
    return a.ctx.catalog->ReadConsumer(target.key(), catalog::ConsumerSelector::ByArn(*r.resource_arn),
                                       [&](const catalog::Stream&, const catalog::Consumer& c) {
                                         WriteTagList(w, c.tags);
                                         return Status::Ok();
                                       });
  }
  return a.ctx.catalog->Read(target.key(), [&](const catalog::Stream& s) {
    WriteTagList(w, s.tags);
    return Status::Ok();
  });
}

}  // namespace sluice::server::api
