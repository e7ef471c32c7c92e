#pragma once
// The numbers every limiter uses. Defaults are AWS's documented quotas
// (../shared/reference/kinesis-protocol.md, sections 3 and 4.6).
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice::limits {

// Control-plane actions with a TPS quota. Scope: most are per account and region; ListShards and the
// consumer operations other than RegisterStreamConsumer are per stream (current AWS docs).
enum class ControlAction : uint8_t {
  kCreateStream,
  kDeleteStream,
  kDescribeStream,
  kDescribeStreamSummary,
  kListStreams,
  kListShards,
  kDescribeLimits,
  kUpdateShardCount,
  kSplitShard,
  kMergeShards,
  kRegisterStreamConsumer,
  kDescribeStreamConsumer,
  kListStreamConsumers,
  kDeregisterStreamConsumer,
  kCount,
};
inline constexpr size_t kControlActionCount = static_cast<size_t>(ControlAction::kCount);

std::string_view ControlActionName(ControlAction a);
std::optional<ControlAction> ParseControlAction(std::string_view name);
bool ControlActionPerStream(ControlAction a);

struct LimitsConfig {
  // Data plane (per shard). false = `--limits off`.
  bool data_plane = true;
  uint64_t shard_write_bytes_per_sec = 1024 * 1024;
  uint64_t shard_write_records_per_sec = 1000;
  uint64_t shard_read_calls_per_sec = 5;
  uint64_t shard_read_bytes_per_sec = 2 * 1024 * 1024;
  uint64_t shard_iterator_calls_per_sec = 5;
  // Burst allowance: every bucket holds this many seconds of its rate. 1 s matches what the real
  // service lets through after an idle period (and keeps "2x the rate" at ~50% throttled).
  uint64_t burst_seconds = 1;

  // Control plane (per account+region, or per stream). false = unlimited.
  bool control_plane = true;
  std::array<uint64_t, kControlActionCount> control_tps = {
      5,     // CreateStream
      5,     // DeleteStream
      10,    // DescribeStream
      20,    // DescribeStreamSummary
      5,     // ListStreams
      1000,  // ListShards (per stream)
      1,     // DescribeLimits
      10,    // UpdateShardCount
      5,     // SplitShard
      5,     // MergeShards
      5,     // RegisterStreamConsumer
      20,    // DescribeStreamConsumer (per stream)
      5,     // ListStreamConsumers (per stream)
      5,     // DeregisterStreamConsumer (per stream)
  };

  uint64_t tps(ControlAction a) const { return control_tps[static_cast<size_t>(a)]; }
};

}  // namespace sluice::limits
