#include "catalog/on_demand_scaler.h"

#include <algorithm>

#include "base/log.h"

namespace sluice::catalog {
namespace {

std::string Percent(uint64_t value, uint64_t capacity) {
  return std::to_string(capacity == 0 ? 0 : value * 100 / capacity) + "%";
}

bool Splittable(const model::HashKeyRange& r) { return r.end - r.start >= 4; }

// The lower child ends exactly halfway, as an even two-way split would.
model::HashKey Midpoint(const model::HashKeyRange& r) { return r.start + (r.end - r.start) / 2 + 1; }

}  // namespace

OnDemandScaler::OnDemandScaler(OnDemandScalerOptions options, Catalog* catalog, const Clock* clock)
    : options_(options), catalog_(catalog), clock_(clock) {}

bool OnDemandScaler::Hot(uint64_t bytes_per_sec, uint64_t records_per_sec, uint32_t shards) const {
  return bytes_per_sec * 100 >= uint64_t{options_.hot_percent} * options_.shard_write_bytes_per_sec * shards ||
         records_per_sec * 100 >= uint64_t{options_.hot_percent} * options_.shard_write_records_per_sec * shards;
}

void OnDemandScaler::Reset(StreamState* st, const Stream& s, int64_t now) {
  st->account = s.account;
  st->region = s.region;
  st->name = s.name;
  st->shards.clear();
  for (const Shard& sh : s.shards) {
    if (!sh.is_open() || !sh.writer) continue;
    sh.writer->TakeWriteCounts();  // writes before the window (or the reshard) are not sampled
    st->shards.push_back({sh.index, sh.range, sh.writer});
  }
  std::sort(st->shards.begin(), st->shards.end(),
            [](const ShardState& a, const ShardState& b) { return a.range.start < b.range.start; });
  st->window_start_ms = now;
  st->stream_hot_since = -1;
  st->idle_since = -1;
}

void OnDemandScaler::Tick() {
  MutexLock lock(&mu_);
  int64_t now = clock_->NowMillis();
  for (auto& [uid, st] : streams_) st.seen = false;
  std::vector<uint64_t> ready;
  catalog_->ForEachStream([&](const Stream& s) {
    // Called synchronously by ForEachStream, inside this Tick's scope.
    mu_.AssertHeld();
    if (s.mode != StreamMode::kOnDemand) return;
    StreamState& st = streams_[s.uid];
    st.seen = true;
    if (s.StatusAt(now) != StreamStatus::kActive) return;
    bool same = st.shards.size() == s.OpenShardCount() &&
                std::all_of(st.shards.begin(), st.shards.end(),
                            [&](const ShardState& sh) { return s.shards[sh.index].is_open(); });
    if (!same) Reset(&st, s, now);
    ready.push_back(s.uid);
  });
  std::erase_if(streams_, [](const auto& kv) { return !kv.second.seen; });
  for (uint64_t uid : ready) {
    StreamState& st = streams_[uid];
    if (now - st.window_start_ms < options_.sample_ms) continue;
    Sample(&st, now);
    // After a reshard the next Tick rebuilds the state from the new open shards.
    if (ScaleUp(&st, now) || ScaleDown(&st, now)) streams_.erase(uid);
  }
}

void OnDemandScaler::Sample(StreamState* st, int64_t now) {
  uint64_t elapsed = static_cast<uint64_t>(now - st->window_start_ms);
  uint64_t total_bytes = 0, total_records = 0;
  for (ShardState& sh : st->shards) {
    GatedShardLog::WriteCounts c = sh.writer->TakeWriteCounts();
    sh.last_bytes_per_sec = c.bytes * 1000 / elapsed;
    sh.last_records_per_sec = c.records * 1000 / elapsed;
    total_bytes += sh.last_bytes_per_sec;
    total_records += sh.last_records_per_sec;
    bool hot = Hot(sh.last_bytes_per_sec, sh.last_records_per_sec, 1);
    if (!hot) sh.hot_since = -1;
    else if (sh.hot_since < 0) sh.hot_since = st->window_start_ms;
  }
  uint32_t n = static_cast<uint32_t>(st->shards.size());
  if (!Hot(total_bytes, total_records, n)) st->stream_hot_since = -1;
  else if (st->stream_hot_since < 0) st->stream_hot_since = st->window_start_ms;
  bool idle = total_bytes * 100 < uint64_t{options_.idle_percent} * options_.shard_write_bytes_per_sec * n &&
              total_records * 100 < uint64_t{options_.idle_percent} * options_.shard_write_records_per_sec * n;
  if (!idle) st->idle_since = -1;
  else if (st->idle_since < 0) st->idle_since = st->window_start_ms;
  st->window_start_ms = now;
}

bool OnDemandScaler::ScaleUp(StreamState* st, int64_t now) {
  uint32_t open = static_cast<uint32_t>(st->shards.size());
  if (open >= options_.max_shards) return false;
  bool whole = st->stream_hot_since >= 0 && now - st->stream_hot_since >= options_.scale_up_after_ms;
  std::vector<const ShardState*> picked;
  for (const ShardState& sh : st->shards) {
    bool hot = whole || (sh.hot_since >= 0 && now - sh.hot_since >= options_.scale_up_after_ms);
    if (hot && Splittable(sh.range) && open + picked.size() < options_.max_shards) picked.push_back(&sh);
  }
  if (picked.empty()) return false;

  std::string reason, ids;
  uint64_t bytes = 0, records = 0;
  for (const ShardState& sh : st->shards) {
    bytes += sh.last_bytes_per_sec;
    records += sh.last_records_per_sec;
  }
  if (whole) {
    reason = "stream write throughput at " + Percent(bytes, options_.shard_write_bytes_per_sec * open) +
             " of bytes and " + Percent(records, options_.shard_write_records_per_sec * open) +
             " of records capacity for " + std::to_string(now - st->stream_hot_since) + " ms: doubling";
  } else {
    reason = "hot shards (at least " + std::to_string(options_.hot_percent) + "% of a shard's write limit for " +
             std::to_string(options_.scale_up_after_ms) + " ms):";
    for (const ShardState* sh : picked) {
      reason += " " + std::to_string(sh->index) + "=" +
                Percent(sh->last_bytes_per_sec, options_.shard_write_bytes_per_sec) + " bytes/" +
                Percent(sh->last_records_per_sec, options_.shard_write_records_per_sec) + " records";
    }
  }
  Status s = catalog_->ReshardOnDemand({st->account, st->region, st->name}, "OnDemandScaleUp",
                                       [&](const Stream& live) -> Result<std::vector<ReshardOp>> {
                                         std::vector<ReshardOp> ops;
                                         for (const ShardState* sh : picked) {
                                           if (sh->index >= live.shards.size() || !live.shards[sh->index].is_open())
                                             return Status(Errc::kInUse,
                                                           "the stream's shards changed since they were sampled");
                                           ops.push_back(ReshardOp::Split(sh->index, Midpoint(sh->range)));
                                         }
                                         return ops;
                                       });
  if (!s.ok()) {
    SLOG(kWarn, "scaler", "on-demand scale up failed",
         {{"stream", st->name}, {"reason", reason}, {"error", s.ToString()}});
    return false;
  }
  SLOG(kInfo, "scaler", "on-demand scale up",
       {{"stream", st->name},
        {"account", st->account},
        {"reason", reason},
        {"open_shards_before", std::to_string(open)},
        {"open_shards_after", std::to_string(open + picked.size())}});
  return true;
}

bool OnDemandScaler::ScaleDown(StreamState* st, int64_t now) {
  uint32_t open = static_cast<uint32_t>(st->shards.size());
  if (open <= options_.min_shards || st->idle_since < 0 || now - st->idle_since < options_.scale_down_after_ms)
    return false;
  uint32_t merges = std::min(open / 2, open - options_.min_shards);
  std::vector<std::pair<const ShardState*, const ShardState*>> pairs;
  for (size_t i = 0; i + 1 < st->shards.size() && pairs.size() < merges; i += 2)
    pairs.emplace_back(&st->shards[i], &st->shards[i + 1]);
  std::string reason = "stream used less than " + std::to_string(options_.idle_percent) +
                       "% of its write capacity for " + std::to_string(now - st->idle_since) + " ms";
  Status s = catalog_->ReshardOnDemand({st->account, st->region, st->name}, "OnDemandScaleDown",
                                       [&](const Stream& live) -> Result<std::vector<ReshardOp>> {
                                         std::vector<ReshardOp> ops;
                                         for (auto [lo, hi] : pairs) {
                                           for (const ShardState* sh : {lo, hi}) {
                                             if (sh->index >= live.shards.size() || !live.shards[sh->index].is_open())
                                               return Status(Errc::kInUse,
                                                             "the stream's shards changed since they were sampled");
                                           }
                                           ops.push_back(ReshardOp::Merge(lo->index, hi->index));
                                         }
                                         return ops;
                                       });
  if (!s.ok()) {
    SLOG(kWarn, "scaler", "on-demand scale down failed",
         {{"stream", st->name}, {"reason", reason}, {"error", s.ToString()}});
    return false;
  }
  SLOG(kInfo, "scaler", "on-demand scale down",
       {{"stream", st->name},
        {"account", st->account},
        {"reason", reason},
        {"open_shards_before", std::to_string(open)},
        {"open_shards_after", std::to_string(open - pairs.size())}});
  return true;
}

}  // namespace sluice::catalog
