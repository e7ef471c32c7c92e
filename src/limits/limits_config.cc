#include "limits/limits_config.h"

namespace sluice::limits {
namespace {

constexpr std::array<std::string_view, kControlActionCount> kNames = {
    "CreateStream",
    "DeleteStream",
    "DescribeStream",
    "DescribeStreamSummary",
    "ListStreams",
    "ListShards",
    "DescribeLimits",
    "UpdateShardCount",
    "SplitShard",
    "MergeShards",
    "RegisterStreamConsumer",
    "DescribeStreamConsumer",
    "ListStreamConsumers",
    "DeregisterStreamConsumer",
};

}  // namespace

std::string_view ControlActionName(ControlAction a) { return kNames[static_cast<size_t>(a)]; }

std::optional<ControlAction> ParseControlAction(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == name) return static_cast<ControlAction>(i);
  return std::nullopt;
}

bool ControlActionPerStream(ControlAction a) {
  return a == ControlAction::kListShards || a == ControlAction::kDescribeStreamConsumer ||
         a == ControlAction::kListStreamConsumers || a == ControlAction::kDeregisterStreamConsumer;
}

}  // namespace sluice::limits
