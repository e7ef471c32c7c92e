#include "server/api/handlers/common.h"
#include "server/api/handlers/handler.h"
#include "server/api/stream_resolver.h"

namespace sluice::server::api {

Status HandleListTagsForResource(HandlerArgs& a) {
  protocol::ListTagsForResourceRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  SLUICE_ASSIGN_OR_RETURN(auto target, ResolveTaggableResource(a.req.caller, *r.resource_arn));
  return a.ctx.catalog->Read(target.key(), [&](const catalog::Stream& s) -> Status {
    protocol::JsonWriter w(a.out);
    w.BeginObject();
    w.Key("Tags");
    w.BeginArray();
    for (const auto& [k, v] : s.tags) {
      w.BeginObject();
      w.Field("Key", k);
      w.Field("Value", v);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return Status::Ok();
  });
}

}  // namespace sluice::server::api
