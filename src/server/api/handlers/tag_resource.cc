#include "server/api/handlers/common.h"
#include "server/api/handlers/handler.h"
#include "server/api/stream_resolver.h"

namespace sluice::server::api {

Status HandleTagResource(HandlerArgs& a) {
  protocol::TagResourceRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  // Consumer ARNs resolve once enhanced fan-out exists; until then no consumer can match.
  auto target = ResolveArn(a.req.caller, *r.resource_arn, true);
  if (!target.ok()) return target.status();
  if (ParseKinesisArn(*r.resource_arn)->consumer.size())
    return Status(Errc::kNotFound, "Consumer " + std::string(*r.resource_arn) + " not found.");
  int64_t now = a.ctx.clock->NowMillis();
  return a.ctx.catalog->Write(target->key(), [&](catalog::Stream& s) -> Status {
    SLUICE_RETURN_IF_ERROR(RequireActive(s, now));
    return ApplyTags(s, *r.tags);
  });
}

}  // namespace sluice::server::api
