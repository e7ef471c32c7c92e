#include <algorithm>

#include "server/api/handlers/handler.h"
#include "server/api/handlers/throttle.h"
#include "server/api/stream_resolver.h"

namespace sluice::server::api {

Status HandleDeleteStream(HandlerArgs& a) {
  protocol::DeleteStreamRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  SLUICE_ASSIGN_OR_RETURN(auto target, ResolveStream(a.req.caller, r));
  SLUICE_RETURN_IF_ERROR(CheckControlRate(a, limits::ControlAction::kDeleteStream, target.name));
  // AWS refuses to delete a stream with registered consumers unless EnforceConsumerDeletion is
  // true; with it, the consumers go with the stream (they live in its record).
  uint64_t uid = 0;
  int64_t now = a.ctx.clock->NowMillis();
  SLUICE_RETURN_IF_ERROR(a.ctx.catalog->Read(target.key(), [&](const catalog::Stream& s) -> Status {
    uid = s.uid;
    bool has_consumers = std::any_of(s.consumers.begin(), s.consumers.end(),
                                     [now](const catalog::Consumer& c) { return !c.GoneAt(now); });
    if (has_consumers && !r.enforce_consumer_deletion.value_or(false)) {
      return Status(Errc::kInUse, "Stream " + s.name + " under account " + s.account +
                                      " has registered consumers; set EnforceConsumerDeletion to delete it with "
                                      "its consumers.");
    }
    return Status::Ok();
  }));
  SLUICE_RETURN_IF_ERROR(a.ctx.catalog->DeleteStream(target.key()));
  if (a.ctx.fanout) a.ctx.fanout->EndStreamSubscriptions(uid);
  return Status::Ok();
}

}  // namespace sluice::server::api
