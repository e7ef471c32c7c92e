#pragma once
// Where a reader starts in a shard, as GetShardIterator's ShardIteratorType and
// SubscribeToShard's StartingPosition name it: the same five types and the same errors.
#include <cstdint>
#include <optional>
#include <string_view>

#include "base/status.h"
#include "catalog/stream.h"

namespace sluice::server::api {

struct StartingPosition {
  std::string_view type;  // TRIM_HORIZON, LATEST, AT_TIMESTAMP, AT_/AFTER_SEQUENCE_NUMBER
  std::optional<std::string_view> sequence_number;
  std::optional<int64_t> timestamp_ms;
};

// Checks that the members match the type (sequence number only with AT_/AFTER_, timestamp only
// with AT_TIMESTAMP and not in the future).
Status CheckStartingPosition(const StartingPosition& p, int64_t now_ms);

// The offset a reader of `sh` starts at (after CheckStartingPosition); never below the
// retention floor. `operation` names the call in messages.
Result<uint64_t> StartingOffset(const catalog::Stream& s, const catalog::Shard& sh, const StartingPosition& p,
                                std::string_view operation, int64_t now_ms);

}  // namespace sluice::server::api
