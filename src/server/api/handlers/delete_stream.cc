#include "server/api/handlers/handler.h"
#include "server/api/handlers/throttle.h"
#include "server/api/stream_resolver.h"

namespace sluice::server::api {

Status HandleDeleteStream(HandlerArgs& a) {
  protocol::DeleteStreamRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  SLUICE_ASSIGN_OR_RETURN(auto target, ResolveStream(a.req.caller, r));
  SLUICE_RETURN_IF_ERROR(CheckControlRate(a, limits::ControlAction::kDeleteStream, target.name));
  // Sluice registers no consumers (enhanced fan-out), so EnforceConsumerDeletion has nothing to
  // enforce.
  return a.ctx.catalog->DeleteStream(target.key());
}

}  // namespace sluice::server::api
