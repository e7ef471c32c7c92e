#include "server/api/handlers/handler.h"
#include "server/api/stream_resolver.h"

namespace sluice::server::api {

Status HandleUpdateStreamMode(HandlerArgs& a) {
  protocol::UpdateStreamModeRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  SLUICE_ASSIGN_OR_RETURN(auto target, ResolveStream(a.req.caller, r));
  bool on_demand = *r.stream_mode == "ON_DEMAND";
  // Warm throughput needs an account-level billing commitment Sluice does not model (as in
  // CreateStream); asking for it with PROVISIONED is a plain argument error.
  if (r.warm_throughput_mibps && *r.warm_throughput_mibps > 0) {
    return Status(Errc::kInvalidArgument,
                  on_demand ? "WarmThroughputMiBps requires an ON_DEMAND stream in an account whose "
                              "MinimumThroughputBillingCommitment is ENABLED."
                            : "WarmThroughputMiBps is only valid when the stream mode is being updated to ON_DEMAND.");
  }
  return a.ctx.catalog->UpdateStreamMode(
      target.key(), on_demand ? catalog::StreamMode::kOnDemand : catalog::StreamMode::kProvisioned);
}

}  // namespace sluice::server::api
