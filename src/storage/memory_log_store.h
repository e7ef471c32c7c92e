#pragma once
// The in-memory storage backend: every shard log lives in RAM and is "durable" as soon as
// Append returns (the callback runs inline). Semantics are exactly those of the ShardLog /
// LogStore contract in shard_log.h, which the durable segmented log implements as well.
//
// Layout per shard:
//   - record bytes are copied verbatim from the RecordBatch encoding
//     (u32 data_len | u16 key_len | key | data) into arena chunks. Chunks grow geometrically
//     from min_chunk_bytes to max_chunk_bytes; a record never straddles two chunks, a record
//     larger than max_chunk_bytes gets a chunk of its own. A batch is copied with one memcpy
//     per chunk it touches.
//   - a per-record index entry {pointer into the arena, arrival ms} lives in fixed-size index
//     blocks reached through a block directory; neither chunks nor blocks ever move, so
//     readers use them without a lock shared with appenders.
//
// Concurrency (per shard):
//   - Appends are serialised by a mutex. An append fills arena space and index entries beyond
//     the published tip and then publishes the new tip with one release store.
//   - Readers (Read, Bounds, OffsetForTimestamp) acquire the tip and see only published
//     entries; they never wait for appends and appends never wait for them, however long the
//     visit callback takes.
//   - Memory is freed only by TrimBefore / DropStream. Readers hold a "lifetime" lock shared
//     for the duration of a call; trim/drop take it exclusively (and then the append mutex)
//     only to unlink chunks and blocks, and free them after releasing both. So appends never
//     wait for readers, and wait for trim/drop only for a few pointer moves. A Read's visit
//     callback must not trim or drop the log it is reading (self-deadlock); appending is fine.
//   - Freed chunks of the maximum size are kept as store-wide spares (bounded) and reused by
//     later appends, so a steady state with retention appends into warm memory.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <utility>
#include <vector>

#include "base/status.h"
#include "storage/shard_log.h"

namespace sluice::storage {

struct MemoryLogStoreOptions {
  // Upper bound on the bytes held by the whole store (arena chunks + index blocks, i.e.
  // allocated memory, not just record bytes). An append that would need memory beyond it
  // fails with Errc::kUnavailable ("storage full") and changes nothing. 0 = unlimited.
  uint64_t memory_limit_bytes = 0;
  // Arena chunk sizes: the first chunk of a shard is min_chunk_bytes (or the batch size if
  // larger), each following one doubles up to max_chunk_bytes.
  size_t min_chunk_bytes = 16 * 1024;
  size_t max_chunk_bytes = 1024 * 1024;
  // Freed chunks of max_chunk_bytes (trimmed or dropped) are kept, up to this many bytes, and
  // reused by later appends of any shard: appending into warm memory avoids page-faulting a
  // fresh mapping per chunk. Spare chunks count as held by the store (and against the limit;
  // they are released first when the limit is reached). 0 = free chunks immediately.
  uint64_t spare_chunk_bytes = 32 * 1024 * 1024;
};

struct MemoryUsage {
  uint64_t bytes_held = 0;    // allocated: arena chunks + index blocks
  uint64_t record_bytes = 0;  // encoded record bytes retained (headers + keys + data)
  uint64_t records = 0;       // records retained (end_offset - start_offset)
};

namespace internal {
// Store-wide memory accounting, shared by the store and its logs (a log may outlive the store).
// held_bytes = bytes held by all shards + spare chunks.
class MemoryAccounting {
 public:
  MemoryAccounting(uint64_t limit_bytes, size_t spare_chunk_size, uint64_t spare_limit_bytes);
  // Reserves `bytes`; false (and nothing reserved) if that would pass the limit.
  bool TryReserve(uint64_t bytes);
  void Release(uint64_t bytes) { held_bytes_.fetch_sub(bytes, std::memory_order_relaxed); }
  // A spare chunk of spare_chunk_size bytes (already accounted), or nullptr.
  std::unique_ptr<char[]> TakeSpare();
  // Takes back a chunk of spare_chunk_size bytes: kept as spare, or freed and released.
  void ReturnChunk(std::unique_ptr<char[]> chunk);
  // Frees every spare chunk.
  void DropSpares();

  uint64_t limit_bytes() const { return limit_bytes_; }
  uint64_t held_bytes() const { return held_bytes_.load(std::memory_order_relaxed); }
  uint64_t spare_bytes() const;

 private:
  const uint64_t limit_bytes_;  // 0 = unlimited
  const size_t spare_chunk_size_;
  const size_t max_spares_;
  std::atomic<uint64_t> held_bytes_{0};
  mutable std::mutex spare_mu_;
  std::vector<std::unique_ptr<char[]>> spares_;
};
}  // namespace internal

class MemoryShardLog final : public ShardLog {
 public:
  // max_chunk_bytes must equal the accounting's spare chunk size.
  MemoryShardLog(std::shared_ptr<internal::MemoryAccounting> accounting, size_t min_chunk_bytes,
                 size_t max_chunk_bytes);
  ~MemoryShardLog() override;
  MemoryShardLog(const MemoryShardLog&) = delete;
  MemoryShardLog& operator=(const MemoryShardLog&) = delete;

  // ShardLog. Errors: kInvalidArgument for an empty or malformed batch, kUnavailable when the
  // memory limit would be passed, kNotFound after the log was dropped. The callback runs
  // inline, after the log's locks are released.
  void Append(const RecordBatchBuilder& batch, int64_t arrival_ms, AppendCallback done) override;
  LogBounds Bounds() const override;
  uint64_t OffsetForTimestamp(int64_t ms) const override;
  Status ExpireBefore(int64_t horizon_ms) override;
  Result<ReadSummary> Read(uint64_t from, const ReadLimits& limits,
                           const std::function<void(const RecordView&)>& visit) const override;

  // Retention hook: makes `offset` (clamped to end_offset) the new start_offset and frees the
  // chunks and index blocks that hold only records before it. Never moves start backwards.
  void TrimBefore(uint64_t offset);

  MemoryUsage Usage() const;

  static constexpr uint64_t kIndexBlockBytes = 1024 * 16;  // one index block: 1024 entries

  // Frees everything; later appends and reads fail with kNotFound. Called by DropStream.
  void Drop();

 private:
  struct Entry {
    const char* record;  // start of the record's header in an arena chunk
    int64_t arrival_ms;
  };
  static constexpr unsigned kBlockShift = 10;
  static constexpr uint64_t kBlockEntries = uint64_t{1} << kBlockShift;
  static constexpr uint64_t kBlockBytes = kBlockEntries * sizeof(Entry);
  static_assert(kBlockBytes == kIndexBlockBytes);
  struct Block {
    Entry entries[kBlockEntries];
  };
  // Maps absolute block number (offset >> kBlockShift) to its block; slot i is block
  // base_block + i. The appender fills empty slots in place (readers never look at a slot
  // before the tip that covers it is published); growing copies it into a new directory and
  // keeps the old one alive until the next TrimBefore/Drop, when no reader can hold it.
  struct Directory {
    uint64_t base_block = 0;
    size_t capacity = 0;
    std::unique_ptr<Block*[]> slots;
  };
  struct Chunk {
    std::unique_ptr<char[]> data;
    size_t capacity = 0;
    size_t used = 0;
    uint64_t last_offset = 0;  // last record placed in the chunk
  };
  // How an append will use memory; computed before anything is modified.
  struct Plan {
    uint64_t total_bytes = 0;  // chunk + block bytes the append adds to the shard
    uint32_t full_chunks = 0;  // chunks of max_chunk_bytes among them (may come from spares)
  };

  const Entry& EntryAt(const Directory* dir, uint64_t offset) const;
  // Walks the batch exactly as the append will place it. With apply=false only fills `plan`
  // (and validates); with apply=true performs the placement. Caller holds append_mu_.
  Status Place(std::string_view bytes, uint32_t count, int64_t arrival_ms, bool apply, Plan* plan);
  Status Reserve(const Plan& plan);  // caller holds append_mu_; fills prepared_
  size_t NextChunkSize(size_t last_size, size_t need_at_least, size_t remaining_batch) const;
  Block* EnsureBlock(uint64_t block_no);  // apply phase only
  // Memory taken out of the log under its locks and released after them.
  struct Garbage {
    std::vector<Chunk> chunks;
    std::vector<Block*> blocks;
    std::vector<std::unique_ptr<Directory>> directories;
  };
  // Caller holds lifetime_mu_ exclusively and append_mu_.
  void CollectBefore(uint64_t start, Garbage* garbage);
  void CollectAll(Garbage* garbage);
  void Dispose(Garbage* garbage);  // no lock needed

  const std::shared_ptr<internal::MemoryAccounting> accounting_;
  const size_t min_chunk_bytes_;
  const size_t max_chunk_bytes_;

  // Lock order: trim_mu_ -> lifetime_mu_ -> append_mu_. Append takes only append_mu_, readers
  // only lifetime_mu_ (shared).
  // Serialises TrimBefore and Drop, the only writers of start_offset_ and dropped_.
  std::mutex trim_mu_;
  // Serialises appends (and the pointer moves of trim/drop). Guards the writer state below.
  std::mutex append_mu_;
  std::vector<Chunk> chunks_;                            // creation order; entries point into them
  size_t current_chunk_ = SIZE_MAX;                      // chunk small records go to, SIZE_MAX if none
  size_t last_chunk_size_ = 0;                           // for geometric growth
  std::vector<std::unique_ptr<Directory>> directories_;  // back() is the published one
  int64_t writer_last_arrival_ms_ = 0;
  std::vector<std::unique_ptr<char[]>> prepared_;  // full chunks reserved for the current append

  // Held shared by readers for a whole call, exclusively by TrimBefore/Drop when they free.
  mutable std::shared_mutex lifetime_mu_;
  std::atomic<uint64_t> end_offset_{0};         // published tip (release/acquire)
  std::atomic<Directory*> directory_{nullptr};  // published directory
  uint64_t start_offset_ = 0;                   // written under trim_mu_ + lifetime_mu_ exclusive
  int64_t trimmed_last_arrival_ms_ = 0;         // arrival of the newest trimmed record
  bool dropped_ = false;                        // written under all three locks

  std::atomic<uint64_t> bytes_held_{0};
  std::atomic<uint64_t> record_bytes_{0};  // bytes appended in total
  uint64_t trimmed_record_bytes_ = 0;      // written like start_offset_
};

class MemoryLogStore final : public LogStore {
 public:
  explicit MemoryLogStore(MemoryLogStoreOptions options = {});
  ~MemoryLogStore() override;

  Result<std::shared_ptr<ShardLog>> OpenShard(const ShardKey& key) override;
  // Drops every shard of the stream and frees their memory at once, even if callers still
  // hold the logs (they then fail with kNotFound). Unknown streams are not an error.
  Status DropStream(uint64_t stream_uid) override;
  Result<std::vector<uint64_t>> ListStreams() override;

  // Concrete log for retention and accounting; nullptr if the shard is not open.
  std::shared_ptr<MemoryShardLog> FindShard(const ShardKey& key) const;
  uint64_t BytesHeld() const;   // whole store: all shards + spare chunks
  uint64_t SpareBytes() const;  // spare chunks kept for reuse
  const MemoryLogStoreOptions& options() const { return options_; }

 private:
  const MemoryLogStoreOptions options_;
  const std::shared_ptr<internal::MemoryAccounting> accounting_;
  mutable std::mutex mu_;
  std::map<std::pair<uint64_t, uint32_t>, std::shared_ptr<MemoryShardLog>> shards_;
};

std::unique_ptr<MemoryLogStore> NewMemoryLogStore(MemoryLogStoreOptions options = {});

}  // namespace sluice::storage
