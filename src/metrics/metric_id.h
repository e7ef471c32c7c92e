#pragma once
// A metric's identity as CloudWatch defines it: namespace, name and the exact set of dimensions.
// CloudWatch treats every distinct dimension set as a separate metric (a query for {StreamName}
// never matches a datapoint stored under {StreamName, ShardId}); dimension order does not matter,
// so ids are kept with dimensions sorted by name.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::metrics {

struct Dimension {
  std::string name;
  std::string value;
  friend bool operator==(const Dimension&, const Dimension&) = default;
  friend auto operator<=>(const Dimension&, const Dimension&) = default;
};

struct MetricId {
  std::string ns;               // "AWS/Kinesis", or a custom namespace from PutMetricData
  std::string name;             // "IncomingBytes"
  std::vector<Dimension> dims;  // sorted by name (Normalize)

  void Normalize();
  // A canonical byte string, unique per id (the store's key); FromKey inverts it.
  std::string Key() const;
  static std::optional<MetricId> FromKey(std::string_view key);
  // The dimensions alone, in the same length-prefixed form.
  std::string EncodeDims() const;
  static bool DecodeDims(std::string_view in, std::vector<Dimension>* out);
  friend bool operator==(const MetricId&, const MetricId&) = default;
};

// CloudWatch's StandardUnit values.
enum class Unit : uint8_t {
  kNone,
  kSeconds,
  kMicroseconds,
  kMilliseconds,
  kBytes,
  kKilobytes,
  kMegabytes,
  kGigabytes,
  kTerabytes,
  kBits,
  kKilobits,
  kMegabits,
  kGigabits,
  kTerabits,
  kPercent,
  kCount,
  kBytesPerSecond,
  kKilobytesPerSecond,
  kMegabytesPerSecond,
  kGigabytesPerSecond,
  kTerabytesPerSecond,
  kBitsPerSecond,
  kKilobitsPerSecond,
  kMegabitsPerSecond,
  kGigabitsPerSecond,
  kTerabitsPerSecond,
  kCountPerSecond,
};

std::string_view UnitName(Unit u);                     // "Bytes/Second"
std::optional<Unit> ParseUnit(std::string_view name);  // exact CloudWatch spelling

}  // namespace sluice::metrics
