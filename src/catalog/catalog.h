#pragma once
// The catalog: every stream's metadata, namespaced by (account, region, name), and the
// lifecycle CREATING -> ACTIVE -> DELETING -> gone driven by the injected clock.
// Every change is written to the MetadataStore before it becomes visible, so what clients
// saw acknowledged survives a restart (Recover).
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/mutex.h"
#include "base/status.h"
#include "base/thread_annotations.h"
#include "catalog/metadata_store.h"
#include "catalog/reshard_plan.h"
#include "catalog/shard_events.h"
#include "catalog/stream.h"
#include "storage/shard_log.h"

namespace sluice::catalog {

struct CatalogOptions {
  int64_t create_stream_delay_ms = 0;
  int64_t delete_stream_delay_ms = 0;
  uint32_t shard_limit = 500;  // open shards of provisioned streams per account+region
  uint32_t on_demand_stream_limit = 50;
  uint32_t on_demand_initial_shards = 4;
  uint32_t max_creating_streams = 5;
  uint32_t max_shards_per_stream = 1u << 24;  // bounded by the sequence-number layout
  int64_t update_stream_delay_ms = 0;         // a resharded stream stays UPDATING this long
  uint32_t scaling_ops_per_day = 10;          // UpdateShardCount calls per stream per rolling 24 h; 0: no limit
  uint32_t max_scaling_target = 10000;        // UpdateShardCount's per-stream shard bound
  uint32_t mode_switches_per_day = 2;         // UpdateStreamMode calls per stream per rolling 24 h; 0: no limit
  // How long a reshard waits for puts routed with the old table to finish appending; later
  // appends to a closed parent fail with a retriable error.
  int64_t reshard_drain_timeout_ms = 2000;
  // Enhanced fan-out consumers (consumers.cc). A registered consumer is CREATING this long (the
  // KCL polls DescribeStreamConsumer 10 times, 1 s apart, before it gives up), a deregistered
  // one DELETING this long before it is gone.
  int64_t consumer_activate_delay_ms = 1000;
  int64_t consumer_delete_delay_ms = 500;
  uint32_t max_consumers_per_stream = 20;  // registered (any status) per stream
  uint32_t max_creating_consumers = 5;     // CREATING at once per account+region
};

// Which consumer of a stream an operation names: by ARN (exact: an ARN of an earlier
// registration of the same name does not match) or by name. Set exactly one.
struct ConsumerSelector {
  std::string_view arn;
  std::string_view name;
  static ConsumerSelector ByArn(std::string_view arn) { return {arn, {}}; }
  static ConsumerSelector ByName(std::string_view name) { return {{}, name}; }
};

// The live consumer of s that `which` names, or null if there is none or it is gone at now_ms.
// For use inside Catalog::Read / ReadByUid.
const Consumer* FindConsumer(const Stream& s, ConsumerSelector which, int64_t now_ms);

struct ShardCountChange {
  uint32_t current = 0;
  uint32_t target = 0;
};

struct StreamKey {
  std::string_view account;
  std::string_view region;
  std::string_view name;
};

struct CreateStreamSpec {
  StreamKey key;
  uint32_t shard_count = 0;
  StreamMode mode = StreamMode::kProvisioned;
  std::vector<std::pair<std::string, std::string>> tags;
  int32_t max_record_size_kib = 1024;
};

struct AccountUsage {
  uint32_t open_provisioned_shards = 0;
  uint32_t on_demand_streams = 0;
};

class Catalog {
 public:
  // logs and meta are not owned and must outlive the catalog.
  Catalog(CatalogOptions options, const Clock* clock, storage::LogStore* logs, MetadataStore* meta);

  // Loads every stream from the metadata store, reopens its shard logs and drops log data of
  // streams the store does not know (left by a crash between deleting the row and the data).
  // Call once, before serving.
  Status Recover() EXCLUDES(mu_);

  const CatalogOptions& options() const { return options_; }

  // Builds a stream's attachment (Stream::attachment) from the stream and the one it had (null
  // for a new or recovered stream). Called under the catalog's exclusive lock when a stream is
  // created or recovered and whenever its shard count or shard-level metrics change; it must not
  // call back into the catalog. Set once, before Recover.
  using AttachmentFactory =
      std::function<std::shared_ptr<const StreamAttachment>(const Stream& s, const StreamAttachment* previous)>;
  void SetAttachmentFactory(AttachmentFactory factory) { attachment_factory_ = std::move(factory); }
  // Before Recover: who hears of appends and reshards (the fan-out hub). Not owned.
  void SetShardEventListener(ShardEventListener* listener) { shard_events_ = listener; }

  Status CreateStream(const CreateStreamSpec& spec) EXCLUDES(mu_);
  Status DeleteStream(StreamKey key) EXCLUDES(mu_);

  // Readers. A stream whose deletion delay has passed is gone for them (NotFound, not visited,
  // not counted) whether or not SweepDeleted has removed it yet; they never write.
  //
  // Runs fn with the stream under a shared lock. NotFound (with AWS's message) if absent.
  Status Read(StreamKey key, const std::function<Status(const Stream&)>& fn) const EXCLUDES(mu_);
  // Looks a stream incarnation up by uid (for shard iterators). NotFound if gone.
  Status ReadByUid(uint64_t uid, const std::function<Status(const Stream&)>& fn) const EXCLUDES(mu_);
  // Visits the streams of an account+region in name order under a shared lock.
  void ForEachStream(std::string_view account, std::string_view region,
                     const std::function<void(const Stream&)>& fn) const EXCLUDES(mu_);
  // Visits every stream of every account and region under a shared lock.
  void ForEachStream(const std::function<void(const Stream&)>& fn) const EXCLUDES(mu_);
  AccountUsage Usage(std::string_view account, std::string_view region) const EXCLUDES(mu_);

  // Runs fn on a copy of the stream under the exclusive lock, persists the copy and only then
  // publishes it: if fn or the store fails, the stream is unchanged.
  Status Write(StreamKey key, const std::function<Status(Stream&)>& fn) EXCLUDES(mu_);

  // Maintenance: removes streams whose deletion delay has passed, their metadata rows first,
  // then their shard logs. Every writer runs it before acting (so a name is free again once
  // its stream is gone), and so does EnforceRetention, which the server runs periodically.
  // Cheap when nothing is due; a failed row delete is retried after a second, not on every call.
  void SweepDeleted() EXCLUDES(mu_);
  // Sweeps, then applies every stream's retention period to its shard logs (whole segments
  // older than it are freed). Logs are called outside the catalog lock.
  void EnforceRetention() EXCLUDES(mu_);

  // Resharding (reshard.cc). Provisioned, ACTIVE streams only; parents close at their exact
  // end offsets and the new route table is published in the same catalog write. The stream
  // is UPDATING for update_stream_delay_ms afterwards.
  Status SplitShard(StreamKey key, std::string_view shard_id, model::HashKey new_starting_hash_key) EXCLUDES(mu_);
  Status MergeShards(StreamKey key, std::string_view shard_id, std::string_view adjacent_shard_id) EXCLUDES(mu_);
  Result<ShardCountChange> UpdateShardCount(StreamKey key, uint32_t target) EXCLUDES(mu_);

  // UpdateStreamMode (stream_mode.cc): ACTIVE streams only; the shards are kept as they are and
  // the stream is UPDATING for update_stream_delay_ms.
  Status UpdateStreamMode(StreamKey key, StreamMode mode) EXCLUDES(mu_);

  // The on-demand scaler's entry point: like SplitShard/MergeShards, but for ON_DEMAND streams
  // only (the public operations refuse them). plan sees the live stream under the exclusive
  // lock, so it can check that the shards it picked from an earlier snapshot are still open.
  using OnDemandPlanner = std::function<Result<std::vector<ReshardOp>>(const Stream& live)>;
  Status ReshardOnDemand(StreamKey key, std::string_view reason, const OnDemandPlanner& plan) EXCLUDES(mu_);

  // Enhanced fan-out consumers (consumers.cc); they live in their stream's record, so deleting
  // the stream deletes them.
  //
  // RegisterStreamConsumer: the stream must be ACTIVE or UPDATING (else InUse); a name already
  // registered (in any status) is InUse; LimitExceeded past max_consumers_per_stream or with
  // max_creating_consumers CREATING in the account. Returns the new consumer (CREATING).
  Result<Consumer> RegisterConsumer(StreamKey stream, std::string_view consumer_name,
                                    const std::map<std::string, std::string>& tags = {}) EXCLUDES(mu_);
  // DeregisterStreamConsumer: the consumer is DELETING for consumer_delete_delay_ms, then
  // SweepDeleted removes it. Deregistering a DELETING consumer again is accepted. Returns the
  // consumer as it is now (its ARN ends its subscriptions). NotFound if absent.
  Result<Consumer> DeregisterConsumer(StreamKey stream, ConsumerSelector which) EXCLUDES(mu_);
  // Runs fn with the stream and the consumer under a shared lock; NotFound (stream or consumer)
  // with AWS's message otherwise. Resolving a ConsumerARN: ParseConsumerArn (consumer_arn.h)
  // gives the StreamKey, then ReadConsumer(key, ConsumerSelector::ByArn(arn), fn).
  Status ReadConsumer(StreamKey stream, ConsumerSelector which,
                      const std::function<Status(const Stream&, const Consumer&)>& fn) const EXCLUDES(mu_);
  static std::string ConsumerNotFoundMessage(const Stream& s, ConsumerSelector which);

  static std::string NotFoundMessage(std::string_view name, std::string_view account);
  static std::string NotActiveMessage(const Stream& s, StreamStatus status);

 private:
  using Key = std::string;  // account '\0' region '\0' name: orders by account, region, name
  static Key MakeKey(StreamKey k);
  // The stream under `key` unless its deletion delay has passed at now_ms, or NotFound with
  // AWS's message.
  Result<Stream*> FindLocked(StreamKey key, int64_t now_ms) const REQUIRES_SHARED(mu_);
  // Open provisioned shards and on-demand streams of an account+region, gone streams excluded.
  AccountUsage UsageLocked(std::string_view account, std::string_view region, int64_t now_ms) const
      REQUIRES_SHARED(mu_);
  void BuildShards(Stream* s, uint32_t count);
  // Opens every shard's log and rebuilds the route table from the open shards.
  Status OpenLogs(Stream* s);
  Status Persist(const Stream& s) const;
  // Renews s->attachment through the factory unless `previous` (the stream as it was) has the
  // same shards and shard-level metrics.
  void Attach(Stream* s, const Stream* previous) const;
  static std::shared_ptr<const RouteTable> BuildRoutes(const Stream& s);
  // SweepDeleted's part for consumers past their deletion delay: queues the rewritten row of
  // each stream that has some (dropping them from `live` is for after the batch applied) and
  // lowers *next to the earliest deletion still ahead.
  static void CollectGoneConsumers(const Stream& s, int64_t now_ms, MetadataBatch* batch, int64_t* next);
  // Lowers next_sweep_ms_ to at most t.
  void ScheduleSweep(int64_t t) REQUIRES(mu_);
  std::string ShardLimitMessage(std::string_view account, std::string_view region, uint32_t current,
                                uint32_t additional) const;
  std::string OnDemandLimitMessage(std::string_view account, std::string_view region, uint32_t current) const;

  // Who asks for a reshard: the public operations may reshard only PROVISIONED streams, the
  // on-demand scaler only ON_DEMAND ones.
  enum class ReshardCaller { kPublicApi, kOnDemandScaler };
  // Whether the reshard counts against UpdateShardCount's calls per rolling 24 h.
  enum class ScalingQuota { kExempt, kCharged };
  // What a reshard's planner sees, all read under the exclusive lock.
  struct ReshardInput {
    const Stream& live;
    int64_t now_ms;
    AccountUsage usage;  // of the stream's account+region
  };
  using ReshardPlanner = std::function<Result<std::vector<ReshardOp>>(const ReshardInput& in)>;
  // Plans under the exclusive lock, then drains, seals, persists and publishes the result.
  Status Reshard(StreamKey key, std::string_view operation, ReshardCaller caller, ScalingQuota quota,
                 const ReshardPlanner& plan) EXCLUDES(mu_);
  // Waits (bounded by reshard_drain_timeout_ms on the catalog's clock) until no put holds the
  // stream's current route table any more. Under the exclusive lock: no put can route meanwhile.
  void DrainRoutes(const Stream& live) const REQUIRES(mu_);
  // reshard_drain_timeout_ms from now, in the clock's monotonic nanoseconds.
  int64_t DrainDeadlineNanos() const;

  CatalogOptions options_;
  AttachmentFactory attachment_factory_;
  ShardEventListener* shard_events_ = nullptr;
  const Clock* clock_;
  storage::LogStore* logs_;
  MetadataStore* meta_;
  mutable SharedMutex mu_;
  std::map<Key, std::shared_ptr<Stream>, std::less<>> streams_ GUARDED_BY(mu_);
  std::unordered_map<uint64_t, std::shared_ptr<Stream>> by_uid_ GUARDED_BY(mu_);
  // Earliest deletion time among the streams still held: SweepDeleted's check without the lock.
  std::atomic<int64_t> next_sweep_ms_{INT64_MAX};
  uint32_t last_epoch_ GUARDED_BY(mu_) = 0;  // epochs are unique so incarnations never share numbers
  // The last ARN epoch issued per "<stream ARN>/consumer/<name>", so a name registered again
  // within the same second (after its deletion) still gets a new ARN.
  std::unordered_map<std::string, uint32_t> consumer_epochs_ GUARDED_BY(mu_);
};

}  // namespace sluice::catalog
