#pragma once
// One shard's durable log (see disk_log_store.h for the design). Internal to the storage module.
//
// Locks: mu_ guards the append side (offset assignment, staging, callbacks not yet taken by a
// commit); meta_mu_ guards what readers see (published segments and their sparse indexes).
// round_ and the writer_* members belong to the shard's commit thread alone.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/file_system.h"
#include "base/mutex.h"
#include "storage/disk_log_store.h"
#include "storage/read_ahead.h"
#include "storage/segment_cursor.h"
#include "storage/segment_format.h"
#include "storage/staging_chunk.h"

namespace sluice::storage::internal {

struct StoreEnv {
  FileSystem* fs = nullptr;
  DiskLogStoreOptions options;
  ChunkPool* pool = nullptr;
  ReadAheadPool* read_ahead = nullptr;  // null: no read-ahead
  std::shared_ptr<ReadAheadBudget> read_ahead_budget;

  // Monotonic milliseconds from the injected clock (sync interval, failure back-off).
  int64_t MonotonicMillis() const { return options.clock->MonotonicNanos() / 1'000'000; }
};

struct Segment {
  uint64_t first_offset = 0;
  std::string path;
  std::shared_ptr<File> reader;  // buffered, read-only
  // Published state, under the shard's meta_mu_.
  uint64_t end_offset = 0;
  uint64_t data_bytes = 0;
  int64_t first_arrival_ms = 0;
  int64_t last_arrival_ms = 0;
  std::vector<segment::IndexEntry> index;
  bool sealed = false;
};

// The sparse index keeps a segment's first frame, then the first frame at least `interval`
// bytes past the previous entry.
inline void AddToSparseIndex(std::vector<segment::IndexEntry>* index, const segment::IndexEntry& e, uint64_t interval) {
  if (index->empty() || e.position >= index->back().position + interval) index->push_back(e);
}

class DiskShardLog final : public ShardLog, public std::enable_shared_from_this<DiskShardLog> {
 public:
  using Enqueue = std::function<void(std::shared_ptr<DiskShardLog>)>;
  DiskShardLog(const StoreEnv* env, ShardKey key, std::string dir, Enqueue enqueue);
  ~DiskShardLog() override;

  // Rebuilds the published state and the writer from the files (start-up, and after a failure).
  Status Recover();

  void Append(const RecordBatchBuilder& batch, int64_t arrival_ms, AppendCallback done) override;
  LogBounds Bounds() const override;
  uint64_t OffsetForTimestamp(int64_t ms) const override;
  Result<ReadSummary> Read(uint64_t from, const ReadLimits& limits,
                           const std::function<void(const RecordView&)>& visit) const override;
  Status ExpireBefore(int64_t horizon_ms) override;

  // Commit thread: take what is staged and write it; sync; publish and complete.
  void BeginRound();
  void WriteRound();
  void SyncRound(bool force);
  void FinishRound();
  // Interval mode: files written but not yet synced.
  bool HasUnsynced() const { return writer_unsynced_; }
  Status SyncWriter();
  // A failed shard: when it may re-run recovery (INT64_MAX when not failed).
  int64_t retry_at_ms() const { return retry_at_ms_.load(); }
  void RetryRecovery();

  void MarkDropped();
  const ShardKey& key() const { return key_; }
  uint64_t DataBytes() const;

 private:
  struct PendingAppend {
    uint64_t first_offset = 0;
    uint32_t count = 0;
    uint64_t position = 0;
    uint32_t length = 0;
    int64_t arrival_ms = 0;
    uint64_t segment_first_offset = 0;
    AppendCallback done;
  };
  struct Round {
    std::vector<StagingChunk> chunks;
    std::vector<PendingAppend> appends;
    std::vector<std::shared_ptr<Segment>> created;  // segments this round created, unpublished
    std::vector<std::shared_ptr<Segment>> sealed;
    Status status;
    bool wrote = false;
    bool dir_dirty = false;
  };

  // Folds one committed frame into a segment's description (index, end, size, arrival times).
  static void AddFrame(Segment* s, const PendingAppend& p, uint64_t index_interval);
  StagingChunk* ChunkFor(size_t frame_len, bool new_segment) REQUIRES(mu_);
  Status CreateWriterSegment(uint64_t first_offset);
  Status OpenWriter(const std::string& path);
  Status SealWriterSegment();
  Status EnsureZeroed(uint64_t end);
  Status WriteIndexFile(const segment::SegmentIndex& idx);
  Status RecoverSegments(std::vector<std::shared_ptr<Segment>>* out);
  Status ZeroStaleTail(const std::string& path, uint64_t from, uint64_t size);
  void FailRound(Status st);  // by value: it is often round_.status, which FailRound resets
  // Where a read goes on: the segment holding an offset, its last index entry at or before
  // that offset, and how far (by the index) the records a read wants can reach.
  struct ReadPosition {
    std::shared_ptr<Segment> seg;
    uint64_t pos = 0;     // file position of the index entry
    uint64_t offset = 0;  // ... and its first offset
    uint64_t seg_end_pos = 0;
    uint64_t seg_end_offset = 0;
    uint64_t span_end = 0;  // file position past the frames max_records records from `at` can need
  };
  // The locate step of Read, under a shared meta_mu_. False when `at` is in no published
  // segment (where->seg is still set when a segment starts at or before it).
  bool Locate(uint64_t at, uint32_t max_records, ReadPosition* where) const EXCLUDES(meta_mu_);
  // How many bytes one fill of a read from `where` reads.
  static size_t FillBytes(const ReadPosition& where, const ReadLimits& limits);
  // Read-ahead policy, before a bulk read walks: adopts this shard's read-ahead if it covers
  // where the read starts (and then starts the one for the call after). Returns whether the
  // read starts where the previous bulk read of this shard stopped (a sequential reader).
  bool AdoptReadAhead(uint64_t from, const ReadPosition& where, segment::FrameCursor* cur, size_t direct_min) const
      EXCLUDES(ra_mu_);
  // ... and after it: remembers where the read stopped and, for a sequential reader, makes sure
  // a read-ahead covers where its next call will start.
  void FollowWithReadAhead(uint64_t next_offset, bool sequential, uint64_t walked, const ReadLimits& limits,
                           size_t direct_min) const EXCLUDES(ra_mu_);
  // Starts reading [pos, pos + want) of seg (clipped to its committed end) in the background as
  // this shard's read-ahead, unless it is under direct_min or over the store's budget.
  // call_bytes: how far one call of this reader goes (ReadAheadSlot::call_bytes).
  void StartReadAhead(const std::shared_ptr<Segment>& seg, uint64_t pos, uint64_t seg_end_pos, uint64_t want,
                      uint64_t call_bytes, size_t direct_min) const EXCLUDES(ra_mu_);
  std::string SegmentPath(uint64_t first_offset) const;
  std::string IndexPath(uint64_t first_offset) const;

  const StoreEnv* env_;
  ShardKey key_;
  std::string dir_;
  Enqueue enqueue_;

  // mu_, meta_mu_ and ra_mu_ are never held together.

  // Append side.
  mutable Mutex mu_;
  uint64_t next_offset_ GUARDED_BY(mu_) = 0;
  int64_t last_arrival_assigned_ GUARDED_BY(mu_) = 0;
  bool has_segment_ GUARDED_BY(mu_) = false;
  uint64_t stage_segment_first_ GUARDED_BY(mu_) = 0;
  uint64_t stage_segment_bytes_ GUARDED_BY(mu_) = 0;  // bytes of the segment being staged into (committed + staged)
  int64_t stage_segment_first_arrival_ GUARDED_BY(mu_) = 0;
  std::vector<StagingChunk> chunks_ GUARDED_BY(mu_);
  std::vector<PendingAppend> pending_ GUARDED_BY(mu_);
  uint64_t staged_bytes_ GUARDED_BY(mu_) = 0;
  char tail_block_[kDirectIoAlignment] GUARDED_BY(mu_);  // bytes [AlignDown(pos), pos) of the file being staged into
  bool queued_ GUARDED_BY(mu_) = false;
  bool dropped_ GUARDED_BY(mu_) = false;
  Status failed_ GUARDED_BY(mu_);

  // Published (atomics for lock-free Bounds; the published fields of each Segment are
  // written under meta_mu_ exclusively too).
  mutable SharedMutex meta_mu_;
  std::vector<std::shared_ptr<Segment>> segments_ GUARDED_BY(meta_mu_);
  bool meta_dropped_ GUARDED_BY(meta_mu_) = false;
  std::atomic<uint64_t> start_offset_{0};
  std::atomic<uint64_t> visible_end_{0};
  std::atomic<int64_t> last_arrival_ms_{0};

  // Read-ahead: where a sequential bulk reader's next call would start, and the background
  // read started for it.
  mutable Mutex ra_mu_;
  mutable uint64_t ra_expect_from_ GUARDED_BY(ra_mu_) = UINT64_MAX;
  mutable std::shared_ptr<ReadAheadSlot> ra_slot_ GUARDED_BY(ra_mu_);

  // Commit thread only.
  Round round_;
  std::shared_ptr<Segment> writer_segment_;
  std::unique_ptr<File> writer_file_;        // O_DIRECT when enabled and supported
  std::unique_ptr<File> writer_small_file_;  // buffered twin for small writes (null without direct I/O)
  uint64_t writer_zeroed_end_ = 0;
  uint64_t writer_zero_step_ = 1 << 20;
  std::atomic<bool> writer_unsynced_{false};
  std::atomic<int64_t> retry_at_ms_{INT64_MAX};
};

}  // namespace sluice::storage::internal
