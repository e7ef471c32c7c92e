#pragma once
// The storage seam: one append-only log per shard. The API layer sees only this interface; two
// backends implement it: records in memory (memory_log_store.h) and the durable segmented log
// on local disk (disk_log_store.h).
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/record_batch.h"

namespace sluice::storage {

struct AppendResult {
  uint64_t first_offset = 0;  // offset of the batch's first record; the rest follow contiguously
};

// Called once, possibly on another thread, when the batch is durable per the configured
// durability mode (immediately for the in-memory backend).
using AppendCallback = std::function<void(Result<AppendResult>)>;

struct ReadLimits {
  uint32_t max_records = 10000;
  uint64_t max_bytes = 10 * 1024 * 1024;  // data bytes; at least one record is always returned
};

struct ReadSummary {
  uint64_t next_offset = 0;  // where the next read should start
  uint32_t records = 0;
  uint64_t bytes = 0;           // data bytes visited
  int64_t last_arrival_ms = 0;  // arrival time of the last visited record (0 if none)
};

struct LogBounds {
  uint64_t start_offset = 0;    // oldest retained record (trim horizon)
  uint64_t end_offset = 0;      // next offset to be assigned (the tip)
  int64_t last_arrival_ms = 0;  // arrival time of the newest record, 0 if empty
};

// Contract details every backend honours (checked by log_store_contract_test.cc):
// - an empty batch, or one whose bytes do not match its count, fails with kInvalidArgument
//   and changes nothing;
// - arrival times are made non-decreasing per shard: stored time = max(given, last);
// - Read with `from` past the tip returns nothing and next_offset = from (never moves back);
//   max_records = 0 returns nothing; the at-least-one rule applies to max_bytes only;
// - a visit callback must not trim or drop the log it reads (appending from it is fine);
// - after DropStream, logs still held by callers fail Append/Read with kNotFound.
class ShardLog {
 public:
  virtual ~ShardLog() = default;

  // Appends the records of `batch` with one arrival timestamp. Offsets are assigned in call
  // order; concurrent Append calls on one shard are serialised by the log. The batch's bytes
  // are copied before Append returns, so the caller may reuse the builder at once.
  virtual void Append(const RecordBatchBuilder& batch, int64_t arrival_ms, AppendCallback done) = 0;

  virtual LogBounds Bounds() const = 0;

  // First offset whose arrival time is >= ms (end_offset if none); O(log n).
  virtual uint64_t OffsetForTimestamp(int64_t ms) const = 0;

  // Visits records from `from` (clamped to start_offset) within limits. The views passed to
  // visit are valid only during the call. Returns IoError/Corruption on storage failure.
  virtual Result<ReadSummary> Read(uint64_t from, const ReadLimits& limits,
                                   const std::function<void(const RecordView&)>& visit) const = 0;

  // Retention: frees stored records whose arrival time is before horizon_ms. Backends free in
  // units (whole segments for the disk log), so some older records may stay until their unit
  // expires; readers hide them by arrival time (OffsetForTimestamp).
  virtual Status ExpireBefore(int64_t horizon_ms) = 0;
};

struct ShardKey {
  uint64_t stream_uid = 0;
  uint32_t shard_index = 0;
};

// Owns the shard logs of every stream.
class LogStore {
 public:
  virtual ~LogStore() = default;
  // Creates (or reopens) the log of a shard.
  virtual Result<std::shared_ptr<ShardLog>> OpenShard(const ShardKey& key) = 0;
  // Deletes every shard log of a stream and frees its space.
  virtual Status DropStream(uint64_t stream_uid) = 0;
  // Uids of every stream holding at least one shard log (for dropping data the catalog forgot).
  virtual Result<std::vector<uint64_t>> ListStreams() = 0;
};

}  // namespace sluice::storage
