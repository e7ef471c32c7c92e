#pragma once
// The manifest: the durable state of every shard's newest (active) segment and where journal
// replay starts (spec: docs/formats/manifest.md). A checkpoint writes shards' data into their
// segment files, syncs them, then appends one record here; recovery reads it to open every
// shard without scanning its segments, and replays the journal from replay_from.
//
// Files: <store dir>/journal/MANIFEST-<number, 20 digits>. A file starts with a snapshot
// record (every shard's state) followed by delta records (only the shards a checkpoint
// changed). When a file grows past its limit the writer starts the next number with a fresh
// snapshot, syncs it and the directory, and only then deletes the older file. Reading picks the
// newest file whose snapshot record is intact and folds its records in order up to the first
// record that is not intact (a torn append ends the manifest, like every log here).
//
// Record (little-endian): u32 length (whole record) | u32 masked CRC32C of bytes [8, length) |
//   u16 kind (1 snapshot, 2 delta) | u16 version | u32 shard_count |
//   u64 replay_from.file_number | u64 replay_from.position | shard_count shard entries:
//   u64 stream_uid | u32 shard_index | u32 flags (0) | u64 segment_first_offset |
//   u64 data_bytes | u64 end_offset | i64 first_arrival_ms | i64 last_arrival_ms |
//   u32 index_base | u32 index_count | index_count x (u64 offset | u64 position | i64 arrival_ms)
// A shard entry replaces the shard's state; its index is the first index_base entries already
// known for that segment (0 in snapshots, or when the segment changed) followed by the
// index_count entries carried.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/file_system.h"
#include "base/status.h"
#include "storage/journal_format.h"
#include "storage/segment_format.h"

namespace sluice::storage::manifest {

inline constexpr uint16_t kVersion = 1;
inline constexpr std::string_view kFilePrefix = "MANIFEST-";

// A shard's active segment as of a checkpoint: bytes [0, data_bytes) of the segment file
// named segment_first_offset are synced frames holding offsets [segment_first_offset,
// end_offset). Segments before it are sealed (each has its .idx); none exist after it.
struct ShardState {
  uint64_t stream_uid = 0;
  uint32_t shard_index = 0;
  uint64_t segment_first_offset = 0;
  uint64_t data_bytes = 0;
  uint64_t end_offset = 0;
  int64_t first_arrival_ms = 0;            // of the segment's first frame (0 if empty)
  int64_t last_arrival_ms = 0;             // of its last frame (0 if empty)
  std::vector<segment::IndexEntry> index;  // the segment's sparse index, in position order
};

using ShardKey = std::pair<uint64_t, uint32_t>;  // stream uid, shard index

struct Manifest {
  journal::Position replay_from;
  std::map<ShardKey, ShardState> shards;
};

// One shard's change in a delta record: its new state, keeping the first index_base entries
// of the index already recorded (the new entries are in state.index).
struct ShardDelta {
  ShardState state;
  uint32_t index_base = 0;
};

struct Record {
  bool snapshot = false;
  journal::Position replay_from;
  std::vector<ShardDelta> shards;
};

std::string EncodeRecord(const Record& r);
// The record at `bytes` and its length, or nullopt when the bytes there are not an intact record.
std::optional<std::pair<Record, size_t>> DecodeRecord(std::string_view bytes);
// Folds a record into `m` (a snapshot replaces everything).
void Apply(const Record& r, Manifest* m);

std::string FileName(uint64_t number);
std::optional<uint64_t> ParseFileName(std::string_view name);

struct ReadResult {
  Manifest manifest;
  uint64_t file_number = 0;
  uint64_t records = 0;      // records folded
  uint64_t valid_bytes = 0;  // bytes of intact records; the writer appends after them
  bool torn_tail = false;    // bytes after the last intact record (a torn append)
};

// nullopt when `dir` holds no manifest with an intact snapshot (a new data dir, or one written
// before the journal existed). I/O errors are errors.
Result<std::optional<ReadResult>> ReadManifest(const FileSystem& fs, const std::string& dir);

// Appends records durably. Not thread-safe (the checkpoint thread owns it).
class ManifestWriter {
 public:
  // Starts a new manifest file (the number after `previous_number`, or 1) holding a snapshot of
  // `current`, synced with its directory; then removes older manifest files.
  static Result<std::unique_ptr<ManifestWriter>> Create(FileSystem* fs, std::string dir, const Manifest& current,
                                                        uint64_t previous_number, uint64_t max_file_bytes = 4u << 20);
  // Appends a delta and syncs. When the file has passed max_file_bytes, writes `current` (which
  // must already include the delta) as a snapshot into a new file instead (Create's steps).
  Status Append(const Record& delta, const Manifest& current);
  uint64_t file_number() const { return number_; }
  uint64_t file_bytes() const { return size_; }

 private:
  ManifestWriter(FileSystem* fs, std::string dir, uint64_t max_file_bytes)
      : fs_(fs), dir_(std::move(dir)), max_file_bytes_(max_file_bytes) {}
  Status StartFile(const Manifest& current, uint64_t number);

  FileSystem* fs_;
  std::string dir_;
  uint64_t max_file_bytes_;
  uint64_t number_ = 0;
  uint64_t size_ = 0;
  uint64_t snapshot_bytes_ = 0;  // of the current file's first record
  std::unique_ptr<File> file_;
};

}  // namespace sluice::storage::manifest
