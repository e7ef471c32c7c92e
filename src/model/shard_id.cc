#include "model/shard_id.h"

#include <cstdio>

namespace sluice::model {

std::string FormatShardId(ShardIndex index) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "shardId-%012u", index.value);
  return buf;
}

std::optional<ShardIndex> ParseShardId(std::string_view id) {
  constexpr std::string_view kPrefix = "shardId-";
  if (id.size() != kPrefix.size() + 12 || id.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  uint64_t v = 0;
  for (char c : id.substr(kPrefix.size())) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > UINT32_MAX) return std::nullopt;
  return ShardIndex{static_cast<uint32_t>(v)};
}

}  // namespace sluice::model
