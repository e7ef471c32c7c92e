#include <map>
#include <string>

#include "server/api/handlers/common.h"
#include "server/api/handlers/consumer_common.h"
#include "server/api/handlers/handler.h"
#include "server/api/handlers/throttle.h"

namespace sluice::server::api {

Status HandleRegisterStreamConsumer(HandlerArgs& a) {
  protocol::RegisterStreamConsumerRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  protocol::StreamRef ref;
  ref.stream_arn = r.stream_arn;
  SLUICE_ASSIGN_OR_RETURN(auto target, ResolveStream(a.req.caller, ref));
  if (a.log) {
    a.log->stream_name = target.name;
    a.log->consumer_name = *r.consumer_name;
  }
  // 5 per second per account, whatever the stream.
  SLUICE_RETURN_IF_ERROR(CheckControlRate(a, limits::ControlAction::kRegisterStreamConsumer));
  // Tags follow the rules of TagResource (characters, reserved prefix, 50 per resource).
  std::map<std::string, std::string> tags;
  if (r.tags) SLUICE_RETURN_IF_ERROR(ApplyTags(tags, *r.tags, "consumer", *r.consumer_name));
  SLUICE_ASSIGN_OR_RETURN(catalog::Consumer c, a.ctx.catalog->RegisterConsumer(target.key(), *r.consumer_name, tags));
  protocol::JsonWriter w(a.out);
  w.BeginObject();
  w.Key("Consumer");
  WriteConsumer(w, c, a.ctx.clock->NowMillis());
  w.EndObject();
  return Status::Ok();
}

}  // namespace sluice::server::api
