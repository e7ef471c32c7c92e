#pragma once
// All limiter state of a server, keyed by (stream uid, shard index) for the data plane and by
// (action, account, region) or (action, stream uid) for the control plane.
//
// Hot path: shard state lives in a map split into independently locked stripes, so concurrent
// PutRecords on different shards rarely share a lock, and a request takes one stripe lock per
// shard it touches (not per record). Entries whose buckets are all full are equivalent to absent
// ones, so the map forgets them when it grows: deleted streams and idle shards cost nothing.
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "limits/limits_config.h"
#include "limits/shard_limits.h"
#include "limits/token_bucket.h"

namespace sluice::limits {

class LimitsRegistry {
 public:
  explicit LimitsRegistry(LimitsConfig config);
  ~LimitsRegistry();

  const LimitsConfig& config() const { return config_; }
  bool data_plane() const { return config_.data_plane; }
  bool control_plane() const { return config_.control_plane; }

  // Admits the records of one request to one shard, in order: admitted[i] is set to 1 or 0 for
  // sizes[i] (data + partition key bytes). Returns the number admitted. max_record_bytes: the
  // stream's MaxRecordSizeInKiB in bytes (large-record streams get a larger byte burst).
  size_t AdmitWrites(uint64_t stream_uid, uint32_t shard, int64_t now_ms, std::span<const uint64_t> sizes,
                     uint8_t* admitted, uint64_t max_record_bytes = 0);
  bool AdmitRead(uint64_t stream_uid, uint32_t shard, int64_t now_ms);
  void ChargeRead(uint64_t stream_uid, uint32_t shard, int64_t now_ms, uint64_t bytes);
  bool AdmitShardIterator(uint64_t stream_uid, uint32_t shard, int64_t now_ms);

  // stream is used only by per-stream actions (ListShards): a stream re-created under the same
  // name keeps its predecessor's budget, as a per-name quota would.
  bool AdmitControl(ControlAction action, std::string_view account, std::string_view region, std::string_view stream,
                    int64_t now_ms);

  // Entries currently held (tests: idle state is dropped).
  size_t ShardEntries();

 private:
  struct Stripe;
  template <typename Fn>
  auto WithShard(uint64_t stream_uid, uint32_t shard, int64_t now_ms, Fn&& fn);

  LimitsConfig config_;
  std::unique_ptr<Stripe[]> stripes_;
  Mutex control_mu_;
  std::unordered_map<std::string, TokenBucket> control_ GUARDED_BY(control_mu_);
  size_t control_sweep_at_ GUARDED_BY(control_mu_) = 1024;
};

}  // namespace sluice::limits
