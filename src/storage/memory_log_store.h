#pragma once
// The in-memory storage backend: every shard log lives in RAM and is "durable" as soon as
// Append returns (the callback runs inline). Semantics are exactly those of the ShardLog /
// LogStore contract in shard_log.h, which the durable segmented log implements as well.
//
// Readers never wait for appends and appends never wait for readers, however long a Read's
// visit callback takes; appends wait for TrimBefore / DropStream only for a few pointer moves.
// A visit callback must not trim or drop the log it is reading (self-deadlock); appending is
// fine. Memory is allocated in arena chunks and index blocks that are freed only by TrimBefore
// and DropStream; freed chunks of the maximum size are kept store-wide (bounded) for reuse.
#include <cstddef>
#include <cstdint>
#include <memory>

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

// One shard's log in the in-memory store. ShardLog errors: kInvalidArgument for an empty or
// malformed batch, kUnavailable when the memory limit would be passed, kNotFound after the log
// was dropped. Append's callback runs inline, after the log's locks are released.
class MemoryShardLog : public ShardLog {
 public:
  // Memory one index block takes (1024 entries): allocated when a record's offset starts one.
  static constexpr uint64_t kIndexBlockBytes = 1024 * 16;

  // Retention hook: makes `offset` (clamped to end_offset) the new start_offset and frees the
  // chunks and index blocks that hold only records before it. Never moves start backwards.
  virtual void TrimBefore(uint64_t offset) = 0;
  virtual MemoryUsage Usage() const = 0;
};

class MemoryLogStore : public LogStore {
 public:
  // LogStore::DropStream drops every shard of the stream and frees their memory at once, even
  // if callers still hold the logs (they then fail with kNotFound). Unknown streams are not an
  // error.

  // Concrete log for retention and accounting; nullptr if the shard is not open.
  virtual std::shared_ptr<MemoryShardLog> FindShard(const ShardKey& key) const = 0;
  virtual uint64_t BytesHeld() const = 0;   // whole store: all shards + spare chunks
  virtual uint64_t SpareBytes() const = 0;  // spare chunks kept for reuse
  virtual const MemoryLogStoreOptions& options() const = 0;
};

std::unique_ptr<MemoryLogStore> NewMemoryLogStore(MemoryLogStoreOptions options = {});

}  // namespace sluice::storage
