#include "server/api/handlers/common.h"
#include "server/api/handlers/handler.h"
#include "server/api/stream_resolver.h"

namespace sluice::server::api {
namespace {

constexpr int64_t kMinRetentionHours = 24;
constexpr int64_t kMaxRetentionHours = 8760;

enum class RetentionChange : uint8_t { kIncrease, kDecrease };

Status ChangeRetention(HandlerArgs& a, RetentionChange change) {
  const bool increase = change == RetentionChange::kIncrease;
  protocol::RetentionRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  SLUICE_ASSIGN_OR_RETURN(auto target, ResolveStream(a.req.caller, r));
  int64_t hours = *r.retention_period_hours;
  if (hours < kMinRetentionHours) {
    return Status(Errc::kInvalidArgument, "Minimum allowed retention period is 24 hours. Requested retention period (" +
                                              std::to_string(hours) + " hours) is too short.");
  }
  if (hours > kMaxRetentionHours) {
    return Status(Errc::kInvalidArgument,
                  "Maximum allowed retention period is 8760 hours. Requested retention "
                  "period (" +
                      std::to_string(hours) + " hours) is too long.");
  }
  return WriteActiveStream(a.ctx.catalog, target.key(), a.ctx.clock->NowMillis(), [&](catalog::Stream& s) {
    if (increase && hours < s.retention_hours) {
      return Status(Errc::kInvalidArgument,
                    "Requested retention period (" + std::to_string(hours) + " hours) for stream " + s.name +
                        " can not be shorter than existing retention period (" + std::to_string(s.retention_hours) +
                        " hours). Use DecreaseRetentionPeriod API.");
    }
    if (!increase && hours > s.retention_hours) {
      return Status(Errc::kInvalidArgument,
                    "Requested retention period (" + std::to_string(hours) + " hours) for stream " + s.name +
                        " can not be longer than existing retention period (" + std::to_string(s.retention_hours) +
                        " hours). Use IncreaseRetentionPeriod API.");
    }
    if (hours == s.retention_hours) {
      // AWS documents Increase as requiring a longer and Decrease a shorter period.
      return Status(Errc::kInvalidArgument, "Requested retention period (" + std::to_string(hours) +
                                                " hours) for stream " + s.name +
                                                " is equal to the existing retention period. Use " +
                                                (increase ? "a longer period with IncreaseStreamRetentionPeriod."
                                                          : "a shorter period with DecreaseStreamRetentionPeriod."));
    }
    s.retention_hours = static_cast<int32_t>(hours);
    return Status::Ok();
  });
}

}  // namespace

Status HandleIncreaseStreamRetentionPeriod(HandlerArgs& a) { return ChangeRetention(a, RetentionChange::kIncrease); }
Status HandleDecreaseStreamRetentionPeriod(HandlerArgs& a) { return ChangeRetention(a, RetentionChange::kDecrease); }

}  // namespace sluice::server::api
