#pragma once
// Shard ids on the wire are "shardId-" + 12-digit zero-padded index; inside they are indices.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::model {

struct ShardIndex {
  uint32_t value = 0;
  auto operator<=>(const ShardIndex&) const = default;
};

std::string FormatShardId(ShardIndex index);
// Accepts exactly the canonical form "shardId-" + 12 digits. Returns nullopt otherwise.
std::optional<ShardIndex> ParseShardId(std::string_view id);

}  // namespace sluice::model
