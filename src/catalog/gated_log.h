#pragma once
// The write side of an open shard as the put path sees it (RouteTable entries): forwards to
// the shard's log and counts appends in flight, so resharding can close the shard at an exact
// offset. Once sealed, every later append fails with a retriable error instead of landing
// behind the shard's published end.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include "base/clock.h"
#include "base/status.h"
#include "catalog/shard_events.h"
#include "storage/shard_log.h"

namespace sluice::catalog {

class GatedShardLog final : public storage::ShardLog, public std::enable_shared_from_this<GatedShardLog> {
 public:
  explicit GatedShardLog(std::shared_ptr<storage::ShardLog> inner) : inner_(std::move(inner)) {}
  // `listener` (may be null) hears of every successful append as (stream_uid, shard_index).
  GatedShardLog(std::shared_ptr<storage::ShardLog> inner, ShardEventListener* listener, uint64_t stream_uid,
                uint32_t shard_index)
      : inner_(std::move(inner)), listener_(listener), stream_uid_(stream_uid), shard_index_(shard_index) {}

  void Append(const storage::RecordBatchBuilder& batch, int64_t arrival_ms, storage::AppendCallback done) override;
  storage::LogBounds Bounds() const override { return inner_->Bounds(); }
  uint64_t OffsetForTimestamp(int64_t ms) const override { return inner_->OffsetForTimestamp(ms); }
  Result<storage::ReadSummary> Read(uint64_t from, const storage::ReadLimits& limits,
                                    const std::function<void(const storage::RecordView&)>& visit) const override {
    return inner_->Read(from, limits, visit);
  }
  Status ExpireBefore(int64_t horizon_ms) override { return inner_->ExpireBefore(horizon_ms); }

  // Stops new appends, waits until those already accepted have completed and returns the
  // offset one past the last stored record. kUnavailable (and unsealed again) if appends are
  // still in flight when clock.MonotonicNanos() reaches deadline_ns.
  Result<uint64_t> Seal(const Clock& clock, int64_t deadline_ns);
  // Seals a shard that is known to have no writers (a closed shard after a restart).
  void SealIdle() { sealed_.store(true); }
  // Undoes Seal when the reshard that sealed it could not be committed.
  void Unseal() { sealed_.store(false); }
  bool sealed() const { return sealed_.load(); }

  // Records and batch bytes accepted since the last call (the on-demand scaler's throughput
  // sample). Relaxed counters beside in_flight_: no extra cache line on the put path.
  struct WriteCounts {
    uint64_t records = 0;
    uint64_t bytes = 0;
  };
  WriteCounts TakeWriteCounts() {
    return {records_.exchange(0, std::memory_order_relaxed), bytes_.exchange(0, std::memory_order_relaxed)};
  }

 private:
  std::shared_ptr<storage::ShardLog> inner_;
  ShardEventListener* listener_ = nullptr;
  uint64_t stream_uid_ = 0;
  uint32_t shard_index_ = 0;
  std::atomic<int64_t> in_flight_{0};
  std::atomic<bool> sealed_{false};
  std::atomic<uint64_t> records_{0};
  std::atomic<uint64_t> bytes_{0};
};

}  // namespace sluice::catalog
