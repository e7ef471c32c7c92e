#include "server/api/handlers/common.h"
#include "server/api/handlers/handler.h"
#include "server/api/stream_resolver.h"

namespace sluice::server::api {

Status HandleUpdateMaxRecordSize(HandlerArgs& a) {
  protocol::UpdateMaxRecordSizeRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  if (!r.stream_arn) return Status(Errc::kInvalidArgument, "StreamARN must be provided.");
  SLUICE_ASSIGN_OR_RETURN(auto target, ResolveStream(a.req.caller, r));
  return WriteActiveStream(a.ctx.catalog, target.key(), a.ctx.clock->NowMillis(), [&](catalog::Stream& s) {
    s.max_record_size_kib = static_cast<int32_t>(*r.max_record_size_kib);
    return Status::Ok();
  });
}

}  // namespace sluice::server::api
