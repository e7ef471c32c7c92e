#pragma once
// Shard iterator tokens: opaque, tamper-evident (HMAC-SHA256 under a server secret), and
// bound to one stream incarnation. Layout: docs/formats/shard-iterator.md.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::model {

struct IteratorPosition {
  uint64_t stream_uid = 0;  // unique per stream incarnation; never reused
  uint32_t shard_index = 0;
  uint64_t offset = 0;       // next record offset to read
  int64_t issued_at_ms = 0;  // for the 5-minute expiry
  bool operator==(const IteratorPosition&) const = default;
};

using IteratorKey = std::array<uint8_t, 32>;

std::string EncodeShardIterator(const IteratorKey& key, const IteratorPosition& pos);
// nullopt when the token is malformed or its MAC does not verify.
std::optional<IteratorPosition> DecodeShardIterator(const IteratorKey& key, std::string_view token);

}  // namespace sluice::model
