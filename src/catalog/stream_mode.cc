// UpdateStreamMode: PROVISIONED <-> ON_DEMAND. The shards stay as they are; only who manages
// them changes (the user, or the on-demand scaler), and with it which account quota they count
// against, so the switch is checked against the quota it moves into.
#include <algorithm>

#include "base/log.h"
#include "catalog/catalog.h"

namespace sluice::catalog {
namespace {
constexpr int64_t kDayMs = 24 * 3600 * 1000;
}  // namespace

std::string Catalog::OnDemandLimitMessage(std::string_view account, std::string_view region, uint32_t current) const {
  return "This request would exceed the on-demand stream count limit for the account " + std::string(account) + " in " +
         std::string(region) + ". Current on-demand stream count: " + std::to_string(current) +
         ". Limit: " + std::to_string(options_.on_demand_stream_limit) + ".";
}

Status Catalog::UpdateStreamMode(StreamKey key, StreamMode mode) {
  SweepDeleted();
  int64_t now = clock_->NowMillis();
  WriterMutexLock lock(&mu_);
  SLUICE_ASSIGN_OR_RETURN(Stream * found, FindLocked(key, now));
  Stream& live = *found;
  if (StreamStatus st = live.StatusAt(now); st != StreamStatus::kActive)
    return Status(Errc::kInUse, NotActiveMessage(live, st));
  // Infrastructure tools (Terraform's refresh) re-send the current mode; AWS-compatible
  // emulators treat that as a no-op, and so does Sluice: no UPDATING, no quota use.
  if (live.mode == mode) return Status::Ok();

  AccountUsage usage = UsageLocked(live.account, live.region, now);
  if (mode == StreamMode::kOnDemand) {
    if (usage.on_demand_streams + 1 > options_.on_demand_stream_limit)
      return Status(Errc::kLimitExceeded, OnDemandLimitMessage(live.account, live.region, usage.on_demand_streams));
  } else {
    uint32_t open = live.OpenShardCount();
    if (uint64_t{usage.open_provisioned_shards} + open > options_.shard_limit)
      return Status(Errc::kLimitExceeded,
                    ShardLimitMessage(live.account, live.region, usage.open_provisioned_shards, open));
  }
  Stream copy = live;
  std::erase_if(copy.mode_switches_ms, [&](int64_t t) { return t <= now - kDayMs; });
  if (options_.mode_switches_per_day > 0 && copy.mode_switches_ms.size() >= options_.mode_switches_per_day) {
    return Status(Errc::kLimitExceeded, "Exceeded the limit of " + std::to_string(options_.mode_switches_per_day) +
                                            " UpdateStreamMode operations per rolling 24 hour period for stream " +
                                            live.name + " under account " + live.account + ".");
  }
  copy.mode_switches_ms.push_back(now);
  copy.mode = mode;
  if (options_.update_stream_delay_ms > 0) copy.updating_until_ms = now + options_.update_stream_delay_ms;
  SLUICE_RETURN_IF_ERROR(Persist(copy));
  SLOG(kInfo, "catalog", "stream mode changed",
       {{"stream", live.name},
        {"mode", std::string(StreamModeName(mode))},
        {"open_shards", std::to_string(copy.OpenShardCount())}});
  live = std::move(copy);
  return Status::Ok();
}

}  // namespace sluice::catalog
