#pragma once
// One shard's durable log (see disk_log_store.h for the design). Internal to the storage module.
//
// A shard's records are, in offset order: sealed segments, the active segment (files, up to
// what the last checkpoint wrote), then frames in memory (published by the journal, not yet
// moved to the active segment by a checkpoint). Readers see all three.
//
// Locks: mu_ guards the append side (offset assignment; it is held while the journal stages
// the frame, so a shard's frames are staged in offset order); meta_mu_ guards what readers see
// (segments and in-memory frames). The checkpoint_ members belong to the store's checkpoint
// thread alone. mu_ is taken before the journal's lock; meta_mu_ never with mu_.
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/file_system.h"
#include "base/mutex.h"
#include "storage/disk_log_store.h"
#include "storage/file_cache.h"
#include "storage/journal.h"
#include "storage/manifest.h"
#include "storage/read_ahead.h"
#include "storage/segment_cursor.h"
#include "storage/segment_format.h"

namespace sluice::storage::internal {

// What the store shares with its shard logs. Shared ownership: a log a caller still holds after
// the store is gone fails appends (the journal has stopped) but does not dangle.
struct StoreEnv {
  FileSystem* fs = nullptr;
  DiskLogStoreOptions options;
  std::shared_ptr<Journal> journal;
  std::shared_ptr<FileCache> files;
  std::shared_ptr<ChunkPool> pool;
  ReadAheadPool* read_ahead = nullptr;  // null: no read-ahead
  std::shared_ptr<ReadAheadBudget> read_ahead_budget;
  // A shard log got frames in memory (or asked for a segment roll): the next checkpoint must
  // visit it.
  std::function<void(std::shared_ptr<DiskShardLog>)> mark_dirty;

  int64_t MonotonicMillis() const { return options.clock->MonotonicNanos() / 1'000'000; }
};

struct Segment {
  uint64_t first_offset = 0;
  std::string path;
  // Published state, under the shard's meta_mu_.
  uint64_t end_offset = 0;
  uint64_t data_bytes = 0;
  int64_t first_arrival_ms = 0;
  int64_t last_arrival_ms = 0;
  std::vector<segment::IndexEntry> index;
  bool sealed = false;
};

// A published frame not yet in a segment file. Its bytes live in the journal's staging chunk.
struct MemFrame {
  uint64_t first_offset = 0;
  uint32_t count = 0;
  uint32_t length = 0;
  int64_t arrival_ms = 0;
  const char* bytes = nullptr;
  std::shared_ptr<JournalChunk> chunk;
  journal::Position at;
};

// The sparse index keeps a segment's first frame, then the first frame at least `interval`
// bytes past the previous entry.
inline void AddToSparseIndex(std::vector<segment::IndexEntry>* index, const segment::IndexEntry& e, uint64_t interval) {
  if (index->empty() || e.position >= index->back().position + interval) index->push_back(e);
}

class DiskShardLog final : public ShardLog, public std::enable_shared_from_this<DiskShardLog> {
 public:
  DiskShardLog(std::shared_ptr<const StoreEnv> env, ShardKey key, std::string dir);
  ~DiskShardLog() override;

  // Rebuilds the published state from the files: from the manifest's record of the active
  // segment when there is one, else by scanning the newest segment (a data directory written
  // before the journal existed, or a shard no checkpoint has recorded).
  Status Recover(const manifest::ShardState* state);
  // Journal replay at start: a frame read back from the journal. Frames the segments already
  // hold are skipped; one that does not continue the log is reported and skipped.
  // `copy` moves the frame's bytes into memory the log may keep.
  Status Replay(const segment::FrameHeader& h, std::string_view frame, journal::Position at,
                const std::function<Result<StagedFrame>(std::string_view)>& copy);

  void Append(const RecordBatchBuilder& batch, int64_t arrival_ms, AppendCallback done) override;
  LogBounds Bounds() const override;
  uint64_t OffsetForTimestamp(int64_t ms) const override;
  Result<ReadSummary> Read(uint64_t from, const ReadLimits& limits,
                           const std::function<void(const RecordView&)>& visit) const override;
  Status ExpireBefore(int64_t horizon_ms) override;

  // Journal commit thread: the frame is durable (per the durability mode); readers may see it.
  void Publish(const JournalAppend& a);
  // Journal commit thread: an append at first_offset failed; the offsets from there on are free.
  void Unstage(uint64_t first_offset);

  // Checkpoint thread: writes the in-memory frames staged before `cut` into the segment files
  // (buffered writes; the store syncs the filesystem once for every shard), sealing segments as
  // they fill. Returns false when there was nothing to do.
  // `scratch`: the checkpoint thread's reusable aligned buffer.
  Result<bool> CheckpointWrite(journal::Position cut, segment::ReadBuffer* scratch);
  // ... the manifest entry describing the result (call after CheckpointWrite returned true).
  manifest::ShardDelta CheckpointDelta() const;
  // ... the frame bytes it moved.
  uint64_t CheckpointBytes() const { return ckpt_.frame_bytes; }
  // ... after the manifest record is durable: readers switch to the files, memory is freed.
  void CheckpointPublish();
  // ... or the checkpoint failed: forget what was written (the next one writes it again).
  void CheckpointAbort();
  // The shard's active segment as the manifest knows it (after Recover or CheckpointPublish).
  manifest::ShardState DurableState() const EXCLUDES(meta_mu_);

  void MarkDropped();
  bool dropped() const;
  const ShardKey& key() const { return key_; }
  const std::string& dir() const { return dir_; }
  uint64_t DataBytes() const;

 private:
  // Folds one frame into a segment's description (index, end, size, arrival times).
  static void AddFrame(Segment* s, uint64_t first_offset, uint32_t count, uint64_t position, uint32_t length,
                       int64_t arrival_ms, uint64_t index_interval);
  Status WriteIndexFile(const segment::SegmentIndex& idx, bool sync);
  Status RecoverFromManifest(const manifest::ShardState& state, std::vector<std::shared_ptr<Segment>>* out);
  Status RecoverByScan(std::vector<std::shared_ptr<Segment>>* out);
  Result<std::shared_ptr<Segment>> TrustOrRebuildSealed(uint64_t first, bool has_index);
  Status TruncateTo(const std::string& path, uint64_t size);
  std::string SegmentPath(uint64_t first_offset) const;
  std::string IndexPath(uint64_t first_offset) const;
  // Where a read goes on: the segment holding an offset, its last index entry at or before
  // that offset, and how far (by the index) the records a read wants can reach.
  struct ReadPosition {
    std::shared_ptr<Segment> seg;
    std::shared_ptr<File> file;
    uint64_t pos = 0;     // file position of the index entry
    uint64_t offset = 0;  // ... and its first offset
    uint64_t seg_end_pos = 0;
    uint64_t seg_end_offset = 0;
    uint64_t span_end = 0;  // file position past the frames max_records records from `at` can need
  };
  // The locate step of a segment read, under a shared meta_mu_. False when `at` is in no
  // published segment (then it is in memory, or past the tip).
  bool Locate(uint64_t at, uint32_t max_records, ReadPosition* where) const EXCLUDES(meta_mu_);
  Status OpenFile(ReadPosition* where) const;
  static size_t FillBytes(const ReadPosition& where, const ReadLimits& limits);
  // Reads from the segment files from sum->next_offset; stops where the files end.
  Status ReadSegments(const ReadLimits& limits, const std::function<void(const RecordView&)>& visit, ReadSummary* sum,
                      bool* full) const;
  // Reads from the in-memory frames from sum->next_offset. *moved: that offset is no longer in
  // memory (a checkpoint moved it to the files meanwhile).
  void ReadMemory(const ReadLimits& limits, const std::function<void(const RecordView&)>& visit, ReadSummary* sum,
                  bool* full, bool* moved) const EXCLUDES(meta_mu_);
  // Visits the records of one frame from sum->next_offset within limits; false when full.
  // Error: the records do not tile the payload.
  static Result<bool> VisitFrame(const segment::FrameHeader& h, const char* frame, const ReadLimits& limits,
                                 const std::function<void(const RecordView&)>& visit, ReadSummary* sum);
  bool AdoptReadAhead(uint64_t from, const ReadPosition& where, segment::FrameCursor* cur, size_t direct_min) const
      EXCLUDES(ra_mu_);
  void FollowWithReadAhead(uint64_t next_offset, bool sequential, uint64_t walked, const ReadLimits& limits,
                           size_t direct_min) const EXCLUDES(ra_mu_);
  void StartReadAhead(const ReadPosition& where, uint64_t pos, uint64_t want, uint64_t call_bytes,
                      size_t direct_min) const EXCLUDES(ra_mu_);

  std::shared_ptr<const StoreEnv> env_;
  ShardKey key_;
  std::string dir_;

  // Append side.
  mutable Mutex mu_;
  uint64_t next_offset_ GUARDED_BY(mu_) = 0;
  int64_t last_arrival_assigned_ GUARDED_BY(mu_) = 0;
  bool dropped_ GUARDED_BY(mu_) = false;

  // Published (atomics for lock-free Bounds).
  mutable SharedMutex meta_mu_;
  std::vector<std::shared_ptr<Segment>> segments_ GUARDED_BY(meta_mu_);
  std::deque<MemFrame> mem_ GUARDED_BY(meta_mu_);
  uint64_t mem_bytes_ GUARDED_BY(meta_mu_) = 0;
  bool meta_dropped_ GUARDED_BY(meta_mu_) = false;
  std::atomic<uint64_t> start_offset_{0};
  std::atomic<uint64_t> visible_end_{0};
  std::atomic<int64_t> last_arrival_ms_{0};
  std::atomic<bool> roll_requested_{false};

  // Read-ahead: where a sequential bulk reader's next call would start, and the background
  // read started for it.
  mutable Mutex ra_mu_;
  mutable uint64_t ra_expect_from_ GUARDED_BY(ra_mu_) = UINT64_MAX;
  mutable std::shared_ptr<ReadAheadSlot> ra_slot_ GUARDED_BY(ra_mu_);

  // Checkpoint thread only: what the current checkpoint wrote, not yet published.
  struct Checkpoint {
    size_t frames = 0;  // in-memory frames it moved (a prefix of mem_)
    uint64_t frame_bytes = 0;
    std::shared_ptr<Segment> target;  // the published active segment it started from (may be null)
    uint32_t index_base = 0;          // ... and how many index entries it had
    Segment update;                   // target's new state (index: the entries to add)
    bool update_target = false;
    bool seal_target = false;
    bool took_roll = false;                         // it consumed a retention roll request
    std::vector<std::shared_ptr<Segment>> created;  // new segments; the last is the active one
  };
  Checkpoint ckpt_;
  // The active segment's last partial block as the previous direct checkpoint write left it, so
  // the next one need not read it back from the device (kept only for shards written in large
  // pieces: at most one block each).
  struct Tail {
    uint64_t segment = UINT64_MAX;
    uint64_t pos = 0;
    std::string bytes;
  };
  Tail tail_;
};

}  // namespace sluice::storage::internal
