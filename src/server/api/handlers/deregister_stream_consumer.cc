#include "server/api/handlers/consumer_common.h"
#include "server/api/handlers/handler.h"
#include "server/api/handlers/throttle.h"

namespace sluice::server::api {

Status HandleDeregisterStreamConsumer(HandlerArgs& a) {
  protocol::DeregisterStreamConsumerRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  SLUICE_ASSIGN_OR_RETURN(auto target, ResolveConsumer(a.req.caller, r));
  LogConsumer(a.log, target);
  SLUICE_RETURN_IF_ERROR(CheckControlRate(a, limits::ControlAction::kDeregisterStreamConsumer, target.stream.name));
  SLUICE_ASSIGN_OR_RETURN(catalog::Consumer c,
                          a.ctx.catalog->DeregisterConsumer(target.stream.key(), target.selector()));
  // Live subscriptions end now, not when the consumer is finally gone.
  if (a.ctx.fanout) a.ctx.fanout->EndConsumerSubscriptions(c.arn);
  return Status::Ok();
}

}  // namespace sluice::server::api
