#include "protocol/json_writer.h"
#include "server/api/handlers/handler.h"

namespace sluice::server::api {

// Sluice has no billing commitments: the "On-demand Advantage" commitment is always DISABLED.
Status HandleDescribeAccountSettings(HandlerArgs& a) {
  protocol::EmptyRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  protocol::JsonWriter w(a.out);
  w.BeginObject();
  w.Key("MinimumThroughputBillingCommitment");
  w.BeginObject();
  w.Field("Status", "DISABLED");
  w.EndObject();
  w.EndObject();
  return Status::Ok();
}

}  // namespace sluice::server::api
