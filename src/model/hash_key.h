#pragma once
// The 128-bit hash key space that partition keys map into, and shard hash ranges.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::model {

using HashKey = unsigned __int128;
inline constexpr HashKey kMaxHashKey = ~HashKey{0};

// Parses a decimal hash key as the model's pattern `0|([1-9]\d{0,38})` allows, and requires
// the value to fit 128 bits. Returns nullopt for anything else.
std::optional<HashKey> ParseHashKey(std::string_view text);
// Lenient variant for checking the pattern only (may exceed 2^128-1): true if text matches.
bool MatchesHashKeyPattern(std::string_view text);
std::string FormatHashKey(HashKey key);
// MD5 of the UTF-8 partition key read as a big-endian unsigned integer (what AWS and the KCL do).
HashKey HashPartitionKey(std::string_view partition_key);

struct HashKeyRange {
  HashKey start = 0;
  HashKey end = 0;  // inclusive
  bool Contains(HashKey k) const { return k >= start && k <= end; }
  bool operator==(const HashKeyRange&) const = default;
};

// The even split AWS uses at creation: width floor(2^128/n); the last range ends at 2^128-1.
HashKeyRange EvenRange(uint32_t index, uint32_t count);

}  // namespace sluice::model
