#include "catalog/gated_log.h"

#include <chrono>
#include <thread>

namespace sluice::catalog {

void GatedShardLog::Append(const storage::RecordBatchBuilder& batch, int64_t arrival_ms, storage::AppendCallback done) {
  // Count first, then check (both seq_cst; Seal does the reverse): either Seal sees this
  // append in flight and waits for it, or this append sees the seal and stays out.
  in_flight_.fetch_add(1);
  if (sealed_.load()) {
    in_flight_.fetch_sub(1);
    done(Status(Errc::kUnavailable, "The shard was closed by a reshard while the request was routed; retry."));
    return;
  }
  records_.fetch_add(batch.count(), std::memory_order_relaxed);
  // AWS meters data + partition key, not the log's per-record header.
  bytes_.fetch_add(batch.bytes().size() - uint64_t{batch.count()} * storage::kRecordHeaderBytes,
                   std::memory_order_relaxed);
  inner_->Append(batch, arrival_ms,
                 [self = shared_from_this(), done = std::move(done)](Result<storage::AppendResult> res) {
                   // The record is published before the callback runs, so Seal may read the tip as soon as
                   // the count drops.
                   self->in_flight_.fetch_sub(1);
                   if (self->listener_ && res.ok()) self->listener_->OnAppended(self->stream_uid_, self->shard_index_);
                   done(std::move(res));
                 });
}

Result<uint64_t> GatedShardLog::Seal(const Clock& clock, int64_t deadline_ns) {
  sealed_.store(true);
  while (in_flight_.load() != 0) {
    if (clock.MonotonicNanos() >= deadline_ns) {
      sealed_.store(false);
      return Status(Errc::kUnavailable, "Appends to the shard did not complete in time; retry the reshard.");
    }
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  return inner_->Bounds().end_offset;
}

}  // namespace sluice::catalog
