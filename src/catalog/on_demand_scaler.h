#pragma once
// On-demand capacity: ON_DEMAND streams reshard themselves, as AWS's on-demand mode does.
//
// Tick() (called periodically by the server, or directly by tests on a ManualClock) samples
// every open shard's accepted writes (GatedShardLog::TakeWriteCounts, counted on the put path
// at the cost of two relaxed atomic adds) over windows of at least sample_ms, and:
// - splits every shard that stayed at or above hot_percent of its write limit (bytes or
//   records) for scale_up_after_ms, or every open shard (doubling capacity) when the stream as
//   a whole stayed that close to its capacity;
// - merges adjacent pairs (halving, never below min_shards) once the stream has used less than
//   idle_percent of its capacity for scale_down_after_ms.
// Per-shard write limits keep throttling a hot shard until its split lands; the accepted rate
// of a throttled shard is its limit, so throttling alone is enough to look hot.
// Every decision is logged with its reason.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "catalog/catalog.h"

namespace sluice::catalog {

struct OnDemandScalerOptions {
  uint64_t shard_write_bytes_per_sec = 1024 * 1024;
  uint64_t shard_write_records_per_sec = 1000;
  uint32_t hot_percent = 80;
  uint32_t idle_percent = 20;  // after halving, the stream runs below 2x this: far from hot
  int64_t sample_ms = 1000;    // shorter windows see a batched producer as bursts and gaps
  int64_t scale_up_after_ms = 60'000;
  int64_t scale_down_after_ms = 3'600'000;
  uint32_t min_shards = 4;    // on-demand streams start with (and keep) 4 shards
  uint32_t max_shards = 200;  // AWS's default on-demand write capacity: 200 MiB/s
};

class OnDemandScaler {
 public:
  // catalog and clock are not owned and must outlive the scaler.
  OnDemandScaler(OnDemandScalerOptions options, Catalog* catalog, const Clock* clock);

  void Tick() EXCLUDES(mu_);

 private:
  struct ShardState {
    uint32_t index = 0;
    model::HashKeyRange range;
    std::shared_ptr<GatedShardLog> writer;
    int64_t hot_since = -1;
    uint64_t last_bytes_per_sec = 0;
    uint64_t last_records_per_sec = 0;
  };
  struct StreamState {
    std::string account, region, name;
    std::vector<ShardState> shards;  // the open shards, by range start
    int64_t window_start_ms = 0;
    int64_t stream_hot_since = -1;
    int64_t idle_since = -1;
    bool seen = false;
  };

  // Starts tracking (or restarts after a reshard) with fresh windows and timers.
  void Reset(StreamState* st, const Stream& s, int64_t now);
  void Sample(StreamState* st, int64_t now);
  // True when it resharded (the state is then stale and must be rebuilt).
  bool ScaleUp(StreamState* st, int64_t now);
  bool ScaleDown(StreamState* st, int64_t now);
  bool Hot(uint64_t bytes_per_sec, uint64_t records_per_sec, uint32_t shards) const;

  OnDemandScalerOptions options_;
  Catalog* catalog_;
  const Clock* clock_;
  Mutex mu_;                                                           // one Tick at a time
  std::unordered_map<uint64_t, StreamState> streams_ GUARDED_BY(mu_);  // by stream uid
};

}  // namespace sluice::catalog
