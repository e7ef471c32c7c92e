#pragma once
// What the catalog tells a layer above it about shards as it happens: appends acknowledged and
// reshards published. The fan-out hub listens, so subscribers at a shard's tip are pushed new
// records when they are committed instead of polling for them.
#include <cstdint>

namespace sluice::catalog {

class ShardEventListener {
 public:
  virtual ~ShardEventListener() = default;
  // An append to the shard completed successfully: its records are readable. Called on the
  // thread that completes appends (the storage commit thread): must be cheap and must not
  // call back into the catalog.
  virtual void OnAppended(uint64_t stream_uid, uint32_t shard_index) = 0;
  // A reshard of the stream was published (parents now have their end offsets). Called with
  // the catalog's lock held: must not call back into the catalog.
  virtual void OnShardsChanged(uint64_t stream_uid) = 0;
};

}  // namespace sluice::catalog
