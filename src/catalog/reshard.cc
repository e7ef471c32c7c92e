// Catalog resharding: SplitShard, MergeShards, UpdateShardCount.
//
// The route switch: puts resolve the route table under the catalog's shared lock and append
// after releasing it. A reshard holds the exclusive lock (no new resolution), waits until the
// old table is released (every put routed with it has issued its appends), seals the parents'
// writers (appends already accepted complete, later ones fail retriably) and reads their exact
// end offsets; children, closed parents and the new table are then persisted and published in
// one step. Every acknowledged record of a parent is therefore below its end offset.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "base/log.h"
#include "catalog/catalog.h"
#include "model/shard_id.h"

namespace sluice::catalog {
namespace {

constexpr int64_t kDayMs = 24 * 3600 * 1000;
constexpr int64_t kNanosPerMilli = 1'000'000;
// How often the drain and the seal look again at what they wait for.
constexpr std::chrono::microseconds kDrainPoll{50};

std::string CouldNotFindShard(const Stream& s, std::string_view id) {
  return "Could not find shard " + std::string(id) + " in stream " + s.name + " under account " + s.account + ".";
}

// The shard named by id, or NotFound / InUse (closed shards cannot be resharded again).
Result<uint32_t> OpenShardIndex(const Stream& s, std::string_view id) {
  auto idx = model::ParseShardId(id);
  if (!idx || idx->value >= s.shards.size()) return Status(Errc::kNotFound, CouldNotFindShard(s, id));
  if (!s.shards[idx->value].is_open()) {
    return Status(Errc::kInUse, "Shard " + std::string(id) + " in stream " + s.name + " under account " + s.account +
                                    " has already been merged or split, and thus is not eligible for merging or "
                                    "splitting.");
  }
  return idx->value;
}

bool Adjacent(const model::HashKeyRange& lo, const model::HashKeyRange& hi) {
  return lo.end != model::kMaxHashKey && lo.end + 1 == hi.start;
}

}  // namespace

std::string Catalog::NotActiveMessage(const Stream& s, StreamStatus status) {
  return "Stream " + s.name + " under account " + s.account + " not ACTIVE, instead in state " +
         std::string(StreamStatusName(status));
}

std::string Catalog::ShardLimitMessage(std::string_view account, std::string_view region, uint32_t current,
                                       uint32_t additional) const {
  return "This request would exceed the shard limit for the account " + std::string(account) + " in " +
         std::string(region) + ". Current shard count for the account: " + std::to_string(current) +
         ". Limit: " + std::to_string(options_.shard_limit) +
         ". Number of additional shards that would have resulted from this request: " + std::to_string(additional) +
         ".";
}

int64_t Catalog::DrainDeadlineNanos() const {
  return clock_->MonotonicNanos() + options_.reshard_drain_timeout_ms * kNanosPerMilli;
}

void Catalog::DrainRoutes(const Stream& live) const {
  const int64_t deadline_ns = DrainDeadlineNanos();
  while (live.routes.use_count() > 1 && clock_->MonotonicNanos() < deadline_ns) std::this_thread::sleep_for(kDrainPoll);
  // Pairs with the release in the holders' reference drop: their appends' in-flight counts
  // are visible to the seals that follow.
  std::atomic_thread_fence(std::memory_order_acquire);
}

Status Catalog::Reshard(StreamKey key, std::string_view operation, ReshardCaller caller, ScalingQuota quota,
                        const ReshardPlanner& plan) {
  SweepDeleted();
  int64_t now = clock_->NowMillis();
  WriterMutexLock lock(&mu_);
  SLUICE_ASSIGN_OR_RETURN(Stream * found, FindLocked(key, now));
  Stream& live = *found;
  const bool on_demand = caller == ReshardCaller::kOnDemandScaler;
  if (on_demand && live.mode != StreamMode::kOnDemand) {
    // The stream was switched to PROVISIONED since the scaler looked at it.
    return Status(Errc::kInUse, "Stream " + live.name + " is no longer in ON_DEMAND mode.");
  }
  if (!on_demand && live.mode == StreamMode::kOnDemand) {
    return Status(Errc::kValidation, std::string(operation) + " is not supported for stream " + live.name +
                                         " under account " + live.account + " because it is in ON_DEMAND mode.");
  }
  if (StreamStatus st = live.StatusAt(now); st != StreamStatus::kActive)
    return Status(Errc::kInUse, NotActiveMessage(live, st));
  SLUICE_ASSIGN_OR_RETURN(const std::vector<ReshardOp> ops,
                          plan(ReshardInput{live, now, UsageLocked(live.account, live.region, now)}));

  Stream copy = live;
  if (quota == ScalingQuota::kCharged) {
    std::erase_if(copy.scaling_ops_ms, [&](int64_t t) { return t <= now - kDayMs; });
    copy.scaling_ops_ms.push_back(now);
  }
  if (!ops.empty()) {
    ApplyReshardOps(&copy, ops, now, {});
    if (copy.shards.size() > options_.max_shards_per_stream) {
      return Status(Errc::kLimitExceeded, "A stream can have at most " +
                                              std::to_string(options_.max_shards_per_stream) +
                                              " shards (open and closed) in Sluice.");
    }
    for (size_t i = live.shards.size(); i < copy.shards.size(); ++i) {
      Shard& child = copy.shards[i];
      SLUICE_ASSIGN_OR_RETURN(child.log, logs_->OpenShard({copy.uid, child.index}));
      child.writer = std::make_shared<GatedShardLog>(child.log, shard_events_, copy.uid, child.index);
      if (!child.is_open()) child.writer->SealIdle();  // an intermediate shard of UpdateShardCount
    }
    // The copy shares the live table; drop its reference so only put holders remain.
    copy.routes.reset();
    DrainRoutes(live);
    std::vector<uint32_t> sealed;
    auto unseal = [&] {
      for (uint32_t p : sealed) live.shards[p].writer->Unseal();
    };
    const int64_t seal_deadline_ns = DrainDeadlineNanos();
    for (uint32_t p : OpenParents(live, ops)) {
      auto end = live.shards[p].writer->Seal(*clock_, seal_deadline_ns);
      if (!end.ok()) {
        unseal();
        return end.status();
      }
      sealed.push_back(p);
      copy.shards[p].end_offset = *end;
    }
    copy.routes = BuildRoutes(copy);
    if (options_.update_stream_delay_ms > 0) copy.updating_until_ms = now + options_.update_stream_delay_ms;
    if (Status st = Persist(copy); !st.ok()) {
      unseal();
      return st;
    }
  } else if (Status st = Persist(copy); !st.ok()) {
    return st;
  }
  SLOG(kInfo, "catalog", "stream resharded",
       {{"stream", live.name},
        {"operation", std::string(operation)},
        {"open_shards", std::to_string(copy.OpenShardCount())},
        {"shards", std::to_string(copy.shards.size())}});
  Attach(&copy, &live);
  live = std::move(copy);
  if (shard_events_ && !ops.empty()) shard_events_->OnShardsChanged(live.uid);
  return Status::Ok();
}

Status Catalog::ReshardOnDemand(StreamKey key, std::string_view reason, const OnDemandPlanner& plan) {
  return Reshard(key, reason, ReshardCaller::kOnDemandScaler, ScalingQuota::kExempt,
                 [&](const ReshardInput& in) { return plan(in.live); });
}

Status Catalog::SplitShard(StreamKey key, std::string_view shard_id, model::HashKey new_starting_hash_key) {
  return Reshard(key, "SplitShard", ReshardCaller::kPublicApi, ScalingQuota::kExempt,
                 [&](const ReshardInput& in) -> Result<std::vector<ReshardOp>> {
                   const Stream& s = in.live;
                   SLUICE_ASSIGN_OR_RETURN(uint32_t idx, OpenShardIndex(s, shard_id));
                   const model::HashKeyRange& r = s.shards[idx].range;
                   model::HashKey k = new_starting_hash_key;
                   if (k <= r.start || k - r.start <= 1 || k >= r.end) {
                     return Status(Errc::kInvalidArgument,
                                   "NewStartingHashKey " + model::FormatHashKey(k) + " used in SplitShard() on shard " +
                                       std::string(shard_id) + " in stream " + s.name + " under account " + s.account +
                                       " is not both greater than one plus the shard's StartingHashKey " +
                                       model::FormatHashKey(r.start) + " and less than the shard's EndingHashKey " +
                                       model::FormatHashKey(r.end) + ".");
                   }
                   uint32_t usage = in.usage.open_provisioned_shards;
                   if (uint64_t{usage} + 1 > options_.shard_limit)
                     return Status(Errc::kLimitExceeded, ShardLimitMessage(s.account, s.region, usage, 1));
                   return std::vector<ReshardOp>{ReshardOp::Split(idx, k)};
                 });
}

Status Catalog::MergeShards(StreamKey key, std::string_view shard_id, std::string_view adjacent_shard_id) {
  return Reshard(key, "MergeShards", ReshardCaller::kPublicApi, ScalingQuota::kExempt,
                 [&](const ReshardInput& in) -> Result<std::vector<ReshardOp>> {
                   const Stream& s = in.live;
                   SLUICE_ASSIGN_OR_RETURN(uint32_t a, OpenShardIndex(s, shard_id));
                   SLUICE_ASSIGN_OR_RETURN(uint32_t b, OpenShardIndex(s, adjacent_shard_id));
                   const model::HashKeyRange& ra = s.shards[a].range;
                   const model::HashKeyRange& rb = s.shards[b].range;
                   // Either order: the model only asks for contiguous ranges.
                   if (a == b || (!Adjacent(ra, rb) && !Adjacent(rb, ra))) {
                     return Status(Errc::kInvalidArgument,
                                   "Shards " + std::string(shard_id) + " and " + std::string(adjacent_shard_id) +
                                       " in stream " + s.name + " under account " + s.account +
                                       " are not an adjacent pair of shards eligible for merging");
                   }
                   return std::vector<ReshardOp>{ReshardOp::Merge(a, b)};
                 });
}

Result<ShardCountChange> Catalog::UpdateShardCount(StreamKey key, uint32_t target) {
  ShardCountChange change{0, target};
  Status st = Reshard(
      key, "UpdateShardCount", ReshardCaller::kPublicApi, ScalingQuota::kCharged,
      [&](const ReshardInput& in) -> Result<std::vector<ReshardOp>> {
        const Stream& s = in.live;
        const int64_t now = in.now_ms;
        uint32_t current = s.OpenShardCount();
        change.current = current;
        std::string counts =
            " Current open shard count: " + std::to_string(current) + " Target shard count: " + std::to_string(target);
        if (uint64_t{target} > 2 * uint64_t{current})
          return Status(Errc::kLimitExceeded,
                        "UpdateShardCount cannot scale up over double your current open shard count." + counts);
        if (2 * uint64_t{target} < current)
          return Status(Errc::kLimitExceeded,
                        "UpdateShardCount cannot scale down below half your current open shard count." + counts);
        if (target > options_.max_scaling_target && target >= current) {
          return Status(Errc::kLimitExceeded, "UpdateShardCount cannot scale up to more than " +
                                                  std::to_string(options_.max_scaling_target) + " shards in a stream." +
                                                  counts);
        }
        uint32_t usage = in.usage.open_provisioned_shards;
        if (target > current && uint64_t{usage} - current + target > options_.shard_limit)
          return Status(Errc::kLimitExceeded, ShardLimitMessage(s.account, s.region, usage, target - current));
        if (options_.scaling_ops_per_day > 0) {
          size_t recent = std::count_if(s.scaling_ops_ms.begin(), s.scaling_ops_ms.end(),
                                        [&](int64_t t) { return t > now - kDayMs; });
          if (recent >= options_.scaling_ops_per_day) {
            return Status(Errc::kLimitExceeded,
                          "Exceeded the limit of " + std::to_string(options_.scaling_ops_per_day) +
                              " UpdateShardCount operations per rolling 24 hour period for stream " + s.name +
                              " under account " + s.account + ".");
          }
        }
        return PlanUniformScaling(s, target);
      });
  if (!st.ok()) return st;
  return change;
}

}  // namespace sluice::catalog
