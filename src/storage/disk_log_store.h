#pragma once
// The durable storage backend: a shared journal plus one segmented log per shard on local disk
// (formats: docs/formats/segment.md, journal.md, manifest.md; design: docs/architecture.md).
//
// Write path: Append assigns offsets under the shard's lock and copies the frame into the
// journal's staging memory. One commit thread writes everything staged since its last round
// with one sequential write and, under --durability sync, one fdatasync, whatever the number of
// shards touched; only then are the frames published to their shards (readable, from memory)
// and the appends completed (group commit). The cost of a round does not grow with the number
// of shards.
//
// Checkpoints (a background thread, every checkpoint_interval_ms or checkpoint_bytes of new
// data): the frames published before the journal's committed end are written into their
// shards' segment files (buffered writes, sealing segments as they fill), the filesystem is
// synced once (syncfs), the manifest records every changed shard's active segment, readers
// switch from memory to the files, and the journal files before the cut are recycled. Every
// record is written twice (journal, then segment): the price of a flat per-round cost.
//
// Read path: readers see only published records: segment files (a shared lock finds the
// segment and the nearest sparse index entry, then frames are pread whole into a per-thread
// buffer, CRC-checked and visited in place), then the frames still in memory.
//
// Recovery: shards open from the manifest without reading their segments; the journal is
// replayed from the manifest's position into memory and checkpointed before the store accepts
// appends. A data directory written before the journal existed has no manifest: each shard's
// newest segment is scanned, as that format requires, and the first checkpoint records it.
//
// Failure: an I/O error (or a full disk) while committing fails every append not yet
// acknowledged (Errc::kUnavailable / kIoError) and the journal refuses appends until it has
// moved past the failed bytes (retried after a back-off); reads go on.
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

// Smallest journal file: an empty file must hold the largest frame (segment::kMaxFrameBytes)
// with its file header, entry header and a kNextFile entry.
inline constexpr uint64_t kMinJournalFileBytes = (32ull << 20) + 4096 + 64;

struct DiskLogStoreOptions {
  std::string dir;  // holds one directory per stream (<dir>/<uid hex>/<shard>/) and <dir>/journal/
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
  // Checkpoints: at least this often while there is new data, or when this much is waiting.
  int64_t checkpoint_interval_ms = 1000;
  uint64_t checkpoint_bytes = 64ull << 20;
  // Staging plus data not yet checkpointed, store-wide; beyond it Append waits up to
  // write_buffer_wait_ms for a checkpoint to free room, then fails kUnavailable.
  uint64_t write_buffer_bytes = 512ull << 20;
  int64_t write_buffer_wait_ms = 2000;
  uint64_t journal_file_bytes = 64ull << 20;  // at least 33 MiB: an empty file holds the largest frame
  uint32_t max_open_files = 1024;             // read descriptors of segment files kept open (LRU)
  int64_t failure_retry_ms = 1000;            // a failed shard re-runs recovery after this
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
  // Bytes of the shards' logs (segment files and data not yet checkpointed), for metrics and tests.
  virtual uint64_t DiskBytes() const = 0;
  // Runs a checkpoint now (tests, shutdown): everything published is in segment files after it.
  virtual Status Checkpoint() = 0;
  virtual ReadAheadStats read_ahead_stats() const = 0;
  // Read descriptors of segment files open now (at most max_open_files).
  virtual size_t open_files() const = 0;
  // Writes and syncs everything staged, then checkpoints; used on shutdown (the destructor also
  // does it), so that a restart has no journal to replay.
  virtual void Flush() = 0;
};

// Creates the directory if needed, replays the journal (shards with frames in it are opened
// and checkpointed; progress is logged), then starts the commit and checkpoint threads. Other
// shard logs are recovered when opened (OpenShard).
Result<std::unique_ptr<DiskLogStore>> OpenDiskLogStore(FileSystem* fs, DiskLogStoreOptions options);

}  // namespace sluice::storage
