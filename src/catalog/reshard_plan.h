#pragma once
// Resharding as pairwise operations (the only kind Kinesis lineage can express: a child has
// at most two parents), and UpdateShardCount's UNIFORM_SCALING as a sequence of them.
#include <cstdint>
#include <map>
#include <vector>

#include "catalog/stream.h"
#include "model/hash_key.h"

namespace sluice::catalog {

struct ReshardOp {
  enum class Kind { kSplit, kMerge };
  Kind kind = Kind::kSplit;
  uint32_t shard = 0;                        // split: the parent; merge: ShardToMerge (the child's ParentShardId)
  uint32_t adjacent = 0;                     // merge: AdjacentShardToMerge (the child's AdjacentParentShardId)
  model::HashKey new_starting_hash_key = 0;  // split: first key of the upper child

  static ReshardOp Split(uint32_t shard, model::HashKey key) { return {Kind::kSplit, shard, 0, key}; }
  static ReshardOp Merge(uint32_t shard, uint32_t adjacent) { return {Kind::kMerge, shard, adjacent, 0}; }
};

// Ops that turn the open shards (which tile the hash key space) into `target` evenly sized
// shards (model::EvenRange), left to right: a shard ending past the next boundary is split
// there, one ending before it is merged with its neighbour (or the neighbour's lower part).
// Shards already on the boundaries are left alone. Children take indices from next_index on,
// in op order, as ApplyReshardOps assigns them.
std::vector<ReshardOp> PlanUniformScaling(const Stream& s, uint32_t target);

// Appends the children of each op to s->shards (next unused indices; a split's lower child
// first) and closes the parents at now_ms. A parent's end offset comes from end_offsets;
// shards created and closed by the same ops never took writes and end at 0. Ops must be valid
// (open parents; split key inside; merge pairs adjacent). Logs and routes are left to the caller.
void ApplyReshardOps(Stream* s, const std::vector<ReshardOp>& ops, int64_t now_ms,
                     const std::map<uint32_t, uint64_t>& end_offsets);

// The shards the ops close that are open now (their writers must be sealed first).
std::vector<uint32_t> OpenParents(const Stream& s, const std::vector<ReshardOp>& ops);

}  // namespace sluice::catalog
