#pragma once
// Stream and shard metadata as the catalog holds it.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/gated_log.h"
#include "model/hash_key.h"
#include "storage/shard_log.h"

namespace sluice::catalog {

enum class StreamStatus { kCreating, kActive, kUpdating, kDeleting };
enum class StreamMode { kProvisioned, kOnDemand };

std::string_view StreamStatusName(StreamStatus s);
std::string_view StreamModeName(StreamMode m);

struct Shard {
  uint32_t index = 0;
  model::HashKeyRange range;
  std::optional<uint32_t> parent;
  std::optional<uint32_t> adjacent_parent;
  int64_t created_ms = 0;
  // Set when the shard is closed by resharding: one past its last offset.
  std::optional<uint64_t> end_offset;
  std::optional<int64_t> closed_ms;
  std::shared_ptr<storage::ShardLog> log;  // reads and retention
  // Writes: what the route table hands the put path; sealed when the shard closes.
  std::shared_ptr<GatedShardLog> writer;
  bool is_open() const { return !end_offset.has_value(); }
};

// An enhanced fan-out consumer (RegisterStreamConsumer). Persisted with its stream, so deleting
// the stream deletes its consumers. CREATING until active_at_ms, then ACTIVE; DELETING from
// DeregisterStreamConsumer until deleted_at_ms, then gone (removed from the stream).
enum class ConsumerStatus { kCreating, kActive, kDeleting };
std::string_view ConsumerStatusName(ConsumerStatus s);

struct Consumer {
  std::string name;
  std::string arn;  // ...:stream/NAME/consumer/CNAME:CREATION_EPOCH_SECONDS
  int64_t created_ms = 0;
  int64_t active_at_ms = 0;
  std::optional<int64_t> deleted_at_ms;
  std::map<std::string, std::string> tags;  // RegisterStreamConsumer Tags, TagResource on its ARN
  ConsumerStatus StatusAt(int64_t now_ms) const;
  // Past its deletion delay: gone for every reader, whether or not the sweep has removed it.
  bool GoneAt(int64_t now_ms) const { return deleted_at_ms && *deleted_at_ms <= now_ms; }
};

// What the put path needs, immutable once published; replaced as a whole on resharding so
// routing switches atomically. Contract with the put path: it appends only while it still
// holds the table it routed with. Resharding waits until the replaced table is released
// (every put that used it has issued its appends), then seals the parents' writers and
// reads their exact end offsets.
struct RouteTable {
  struct Entry {
    model::HashKeyRange range;
    uint32_t shard_index = 0;
    std::shared_ptr<storage::ShardLog> log;  // the shard's GatedShardLog
  };
  std::vector<Entry> open_shards;  // sorted by range.start, tiling the hash key space
  const Entry* Find(model::HashKey key) const;
};

// State a layer above the catalog keeps per stream (the API's metric recorders). The catalog
// carries it with the stream without persisting it, and renews it through its AttachmentFactory
// whenever the stream's shards or enhanced-monitoring settings change, so a reader under the
// catalog's lock always sees one that matches the stream it reads.
class StreamAttachment {
 public:
  virtual ~StreamAttachment() = default;
};

struct Stream {
  // Fixed at creation.
  uint64_t uid = 0;
  uint32_t epoch = 0;  // creation seconds; embedded in sequence numbers
  std::string account;
  std::string region;
  std::string name;
  std::string arn;
  int64_t created_ms = 0;

  // Mutable under the catalog's lock.
  int64_t active_at_ms = 0;              // CREATING until then
  std::optional<int64_t> deleted_at_ms;  // DELETING until then, then gone
  StreamStatus settled_status = StreamStatus::kActive;
  int64_t updating_until_ms = 0;        // UPDATING until then (resharding)
  std::vector<int64_t> scaling_ops_ms;  // UpdateShardCount calls within the last 24 h
  StreamMode mode = StreamMode::kProvisioned;
  std::vector<int64_t> mode_switches_ms;  // UpdateStreamMode calls within the last 24 h
  int32_t retention_hours = 24;
  int32_t max_record_size_kib = 1024;
  std::map<std::string, std::string> tags;
  std::vector<std::string> shard_level_metrics;
  std::vector<Shard> shards;        // by index
  std::vector<Consumer> consumers;  // in registration order
  std::shared_ptr<const RouteTable> routes;
  std::shared_ptr<const StreamAttachment> attachment;  // not persisted; null without a factory

  StreamStatus StatusAt(int64_t now_ms) const;
  uint32_t OpenShardCount() const;
};

std::string StreamArn(std::string_view region, std::string_view account, std::string_view name);

}  // namespace sluice::catalog
