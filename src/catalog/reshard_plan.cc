#include "catalog/reshard_plan.h"

#include <algorithm>
#include <optional>

namespace sluice::catalog {
namespace {

struct Piece {
  uint32_t index = 0;
  model::HashKeyRange range;
};

}  // namespace

std::vector<ReshardOp> PlanUniformScaling(const Stream& s, uint32_t target) {
  std::vector<Piece> open;
  for (const Shard& sh : s.shards)
    if (sh.is_open()) open.push_back({sh.index, sh.range});
  std::sort(open.begin(), open.end(), [](const Piece& a, const Piece& b) { return a.range.start < b.range.start; });
  std::vector<ReshardOp> ops;
  if (open.empty() || target == 0) return ops;
  uint32_t next_index = static_cast<uint32_t>(s.shards.size());
  size_t next_open = 0;
  Piece p = open[next_open++];
  for (uint32_t k = 0; k < target; ++k) {
    model::HashKey b = model::EvenRange(k, target).end;
    std::optional<Piece> carry;
    while (p.range.end < b) {
      Piece q = open[next_open++];
      if (q.range.end > b) {
        ops.push_back(ReshardOp::Split(q.index, b + 1));
        Piece lo{next_index++, {q.range.start, b}};
        carry = Piece{next_index++, {b + 1, q.range.end}};
        ops.push_back(ReshardOp::Merge(p.index, lo.index));
        p = {next_index++, {p.range.start, b}};
      } else {
        ops.push_back(ReshardOp::Merge(p.index, q.index));
        p = {next_index++, {p.range.start, q.range.end}};
      }
    }
    if (p.range.end > b) {
      ops.push_back(ReshardOp::Split(p.index, b + 1));
      next_index++;  // the lower child is this boundary's shard
      carry = Piece{next_index++, {b + 1, p.range.end}};
    }
    if (k + 1 == target) break;
    p = carry ? *carry : open[next_open++];
  }
  return ops;
}

void ApplyReshardOps(Stream* s, const std::vector<ReshardOp>& ops, int64_t now_ms,
                     const std::map<uint32_t, uint64_t>& end_offsets) {
  auto close = [&](uint32_t index) {
    Shard& sh = s->shards[index];
    auto it = end_offsets.find(index);
    sh.end_offset = it == end_offsets.end() ? 0 : it->second;
    sh.closed_ms = now_ms;
  };
  auto add = [&](model::HashKeyRange range, uint32_t parent, std::optional<uint32_t> adjacent) {
    Shard child;
    child.index = static_cast<uint32_t>(s->shards.size());
    child.range = range;
    child.parent = parent;
    child.adjacent_parent = adjacent;
    child.created_ms = now_ms;
    s->shards.push_back(std::move(child));
  };
  for (const ReshardOp& op : ops) {
    if (op.kind == ReshardOp::Kind::kSplit) {
      model::HashKeyRange r = s->shards[op.shard].range;
      close(op.shard);
      add({r.start, op.new_starting_hash_key - 1}, op.shard, std::nullopt);
      add({op.new_starting_hash_key, r.end}, op.shard, std::nullopt);
    } else {
      model::HashKeyRange a = s->shards[op.shard].range;
      model::HashKeyRange b = s->shards[op.adjacent].range;
      close(op.shard);
      close(op.adjacent);
      add({std::min(a.start, b.start), std::max(a.end, b.end)}, op.shard, op.adjacent);
    }
  }
}

std::vector<uint32_t> OpenParents(const Stream& s, const std::vector<ReshardOp>& ops) {
  std::vector<uint32_t> out;
  auto note = [&](uint32_t i) {
    if (i < s.shards.size() && s.shards[i].is_open() && std::find(out.begin(), out.end(), i) == out.end())
      out.push_back(i);
  };
  for (const ReshardOp& op : ops) {
    note(op.shard);
    if (op.kind == ReshardOp::Kind::kMerge) note(op.adjacent);
  }
  return out;
}

}  // namespace sluice::catalog
