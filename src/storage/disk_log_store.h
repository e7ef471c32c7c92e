#pragma once
// The durable storage backend: one segmented append-only log per shard on local disk
// (formats: segment_format.h, docs/formats/segment.md; design: docs/architecture.md).
//
// Write path: Append only assigns offsets and copies the frame into the shard's staging
// chunks (4 KiB-aligned buffers that mirror file positions), then queues the shard for its
// commit thread. A commit thread takes everything staged on its dirty shards, writes it with
// one aligned write per chunk (O_DIRECT when the filesystem allows), then issues one
// fdatasync per file touched and only then publishes the new tip and completes the waiting
// appends: every append staged since the previous commit shares that fdatasync (group commit).
// Segments are zero-filled ahead of the writer so that fdatasync never has to commit file-size
// metadata on the hot path.
//
// Read path: readers see only committed records. They find the segment and the nearest sparse
// index entry under a shared lock, then pread whole frames into a per-thread buffer, check
// each frame's CRC and visit records straight from that buffer.
//
// Failure: an I/O error (or a full disk) while committing fails every append of that shard
// that is not yet acknowledged (Errc::kUnavailable), nothing partial is published, and the shard
// rejects appends until it has re-run tail recovery (retried after a backoff); reads go on.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/file_system.h"
#include "base/status.h"
#include "storage/shard_log.h"

namespace sluice::storage {

enum class Durability {
  kSync,      // acknowledge after the fdatasync that covers the batch
  kInterval,  // acknowledge after the write reached the OS; fdatasync every sync_interval_ms
  // Acknowledge after the write reached the OS; no fdatasync except when sealing segments and
  // on shutdown. Acknowledged records are readable at once in every mode.
  kNone,
};
std::string_view DurabilityName(Durability d);
std::optional<Durability> ParseDurability(std::string_view s);

struct DiskLogStoreOptions {
  std::string dir;  // holds one directory per stream: <dir>/<uid hex>/<shard>/
  Durability durability = Durability::kSync;
  int64_t sync_interval_ms = 200;
  uint64_t segment_bytes = 64ull << 20;       // a segment is sealed when the next frame would pass this
  int64_t segment_max_age_ms = 3600 * 1000;   // ... or when its first record is this old
  uint64_t index_interval_bytes = 64 << 10;   // sparse index: one entry per this many bytes
  uint64_t zero_fill_max_bytes = 8ull << 20;  // zero-filled space kept ahead of the writer (grows to this)
  bool direct_io = true;                      // O_DIRECT writes where the filesystem supports them
  // Writes smaller than this go through the page cache even with direct_io: a small O_DIRECT
  // write costs a device submission (a VM exit here) per commit, which dominated small puts.
  uint64_t direct_io_min_bytes = 64 << 10;
  // With direct_io, reads of at least this many bytes (a consumer catching up) bypass the page
  // cache too; smaller ones (tail polls, whose data is usually cached) do not. 0 = never.
  uint64_t direct_read_min_bytes = 512 << 10;
  // Bulk readers that continue where they stopped get the next span read in the background by
  // one of these threads (storage/read_ahead.h), within this much memory store-wide. 0 = off.
  uint32_t read_ahead_threads = 2;
  uint64_t read_ahead_max_bytes = 64ull << 20;
  uint32_t commit_threads = 2;
  uint64_t max_staged_bytes_per_shard = 64ull << 20;  // beyond it Append fails kUnavailable
  int64_t failure_retry_ms = 1000;                    // a failed shard re-runs recovery after this
  // Monotonic time for the sync interval and the failure back-off (tests pass a ManualClock).
  const Clock* clock = SystemClock::Default();
};

struct ReadAheadStats {
  uint64_t started = 0;  // background reads started
  uint64_t adopted = 0;  // ... whose bytes a later read used
  uint64_t refused = 0;  // not started: the memory budget was used up
};

class DiskLogStore : public LogStore {
 public:
  // Durable bytes on disk (segment files), for metrics and tests.
  virtual uint64_t DiskBytes() const = 0;
  virtual ReadAheadStats read_ahead_stats() const = 0;
  // Writes and syncs everything staged; used on shutdown (the destructor also does it).
  virtual void Flush() = 0;
};

// Creates the directory if needed and starts the commit threads. Shard logs are recovered
// when opened (OpenShard).
Result<std::unique_ptr<DiskLogStore>> OpenDiskLogStore(FileSystem* fs, DiskLogStoreOptions options);

}  // namespace sluice::storage
