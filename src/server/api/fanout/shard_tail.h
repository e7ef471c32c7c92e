#pragma once
// The newest records of one shard, read from its log once and shared by every subscriber at
// the tip: N consumers of a shard cost one read of each new record, not N. Subscribers behind
// the tail read the log directly (the storage read path, with its read-ahead) until they reach
// it. Records are kept in immutable chunks, so a subscriber encodes from them without a lock.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "base/thread_annotations.h"
#include "storage/shard_log.h"

namespace sluice::server::api::fanout {

// Consecutive records of a shard, copied out of the log.
class TailChunk {
 public:
  uint64_t first_offset() const { return first_offset_; }
  uint64_t end_offset() const { return first_offset_ + records_.size(); }
  size_t data_bytes() const { return data_bytes_; }
  size_t memory_bytes() const { return arena_.capacity() + records_.capacity() * sizeof(Entry); }
  // The record at `offset` (first_offset() <= offset < end_offset()); views into the chunk.
  storage::RecordView At(uint64_t offset) const;

 private:
  friend class ShardTail;
  struct Entry {
    size_t key_at = 0;
    uint32_t key_len = 0;
    uint32_t data_len = 0;
    int64_t arrival_ms = 0;
  };
  uint64_t first_offset_ = 0;
  std::string arena_;  // key then data of each record, back to back
  std::vector<Entry> records_;
  size_t data_bytes_ = 0;
};

struct TailStats {
  uint64_t log_reads = 0;       // reads that filled the tail
  uint64_t direct_reads = 0;    // catch-up reads that bypassed it
  uint64_t bytes_from_log = 0;  // data bytes read from the log into the tail
  uint64_t bytes_served = 0;    // data bytes handed to subscribers from the tail
  size_t memory_bytes = 0;      // held now
};

class ShardTail {
 public:
  // Keeps at most `max_bytes` of record data (at least the newest chunk).
  explicit ShardTail(size_t max_bytes) : max_bytes_(max_bytes) {}

  // Visits records from `from` (up to `tip`, the log's end as the caller saw it) within
  // limits, like ShardLog::Read: from the shared tail when `from` lies in it or at its end
  // (reading the log once to extend it), otherwise straight from the log. The visitor runs
  // without the tail's lock held.
  Result<storage::ReadSummary> Read(const storage::ShardLog& log, uint64_t from, uint64_t tip,
                                    const storage::ReadLimits& limits,
                                    const std::function<void(const storage::RecordView&)>& visit) EXCLUDES(mu_);

  TailStats Stats() const EXCLUDES(mu_);

 private:
  // Reads [from, tip) (within the fill cap) from the log into a new chunk.
  static Result<std::shared_ptr<const TailChunk>> Fill(const storage::ShardLog& log, uint64_t from,
                                                       const storage::ReadLimits& limits);
  void Trim() REQUIRES(mu_);

  const size_t max_bytes_;
  mutable Mutex mu_;
  std::deque<std::shared_ptr<const TailChunk>> chunks_ GUARDED_BY(mu_);
  size_t bytes_ GUARDED_BY(mu_) = 0;
  TailStats stats_ GUARDED_BY(mu_);
};

}  // namespace sluice::server::api::fanout
