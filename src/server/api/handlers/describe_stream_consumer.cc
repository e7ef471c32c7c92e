#include "server/api/handlers/consumer_common.h"
#include "server/api/handlers/handler.h"
#include "server/api/handlers/throttle.h"

namespace sluice::server::api {

Status HandleDescribeStreamConsumer(HandlerArgs& a) {
  protocol::DescribeStreamConsumerRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  SLUICE_ASSIGN_OR_RETURN(auto target, ResolveConsumer(a.req.caller, r));
  LogConsumer(a.log, target);
  SLUICE_RETURN_IF_ERROR(CheckControlRate(a, limits::ControlAction::kDescribeStreamConsumer, target.stream.name));
  int64_t now = a.ctx.clock->NowMillis();
  return a.ctx.catalog->ReadConsumer(target.stream.key(), target.selector(),
                                     [&](const catalog::Stream& s, const catalog::Consumer& c) -> Status {
                                       protocol::JsonWriter w(a.out);
                                       w.BeginObject();
                                       w.Key("ConsumerDescription");
                                       WriteConsumer(w, c, now, s.arn);
                                       w.EndObject();
                                       return Status::Ok();
                                     });
}

}  // namespace sluice::server::api
