#include "catalog/stream.h"

#include <algorithm>

namespace sluice::catalog {

std::string_view StreamStatusName(StreamStatus s) {
  switch (s) {
    case StreamStatus::kCreating: return "CREATING";
    case StreamStatus::kActive: return "ACTIVE";
    case StreamStatus::kUpdating: return "UPDATING";
    case StreamStatus::kDeleting: return "DELETING";
  }
  return "ACTIVE";
}

std::string_view ConsumerStatusName(ConsumerStatus s) {
  switch (s) {
    case ConsumerStatus::kCreating: return "CREATING";
    case ConsumerStatus::kActive: return "ACTIVE";
    case ConsumerStatus::kDeleting: return "DELETING";
  }
  return "ACTIVE";
}

ConsumerStatus Consumer::StatusAt(int64_t now_ms) const {
  if (deleted_at_ms) return ConsumerStatus::kDeleting;
  return now_ms < active_at_ms ? ConsumerStatus::kCreating : ConsumerStatus::kActive;
}

std::string_view StreamModeName(StreamMode m) { return m == StreamMode::kOnDemand ? "ON_DEMAND" : "PROVISIONED"; }

const RouteTable::Entry* RouteTable::Find(model::HashKey key) const {
  auto it = std::upper_bound(open_shards.begin(), open_shards.end(), key,
                             [](model::HashKey k, const Entry& e) { return k < e.range.start; });
  if (it == open_shards.begin()) return nullptr;
  --it;
  return it->range.Contains(key) ? &*it : nullptr;
}

StreamStatus Stream::StatusAt(int64_t now_ms) const {
  if (deleted_at_ms) return StreamStatus::kDeleting;
  if (now_ms < active_at_ms) return StreamStatus::kCreating;
  if (now_ms < updating_until_ms) return StreamStatus::kUpdating;
  return settled_status;
}

uint32_t Stream::OpenShardCount() const {
  return static_cast<uint32_t>(std::count_if(shards.begin(), shards.end(), [](const Shard& s) { return s.is_open(); }));
}

std::string StreamArn(std::string_view region, std::string_view account, std::string_view name) {
  std::string arn = "arn:aws:kinesis:";
  arn.append(region).append(":").append(account).append(":stream/").append(name);
  return arn;
}

}  // namespace sluice::catalog
