#pragma once
// Everything a handler may use: the engine modules, the clock and the API-level options.
#include <cstdint>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "catalog/catalog.h"
#include "limits/limits_registry.h"
#include "model/shard_iterator.h"
#include "server/api/fault_injection.h"

namespace sluice::server::api {

struct ApiOptions {
  int64_t iterator_ttl_ms = 300'000;
  int64_t next_token_ttl_ms = 300'000;
  // PutRecords request payload caps (data + partition keys): the classic 5 MiB, and 10 MiB for
  // streams whose MaxRecordSizeInKiB is above 1024.
  uint64_t put_records_max_bytes = 5 * 1024 * 1024;
  uint64_t put_records_large_max_bytes = 10 * 1024 * 1024;
  uint64_t get_records_max_bytes = 10 * 1024 * 1024;
};

class KinesisMetrics;
namespace fanout {
class Hub;
}

// Ends live SubscribeToShard subscriptions when what they read goes away (implemented by the
// fan-out hub). Calls are cheap when nothing subscribes.
class FanOutControl {
 public:
  virtual ~FanOutControl() = default;
  // DeregisterStreamConsumer: the consumer's subscriptions end with a ResourceNotFound frame.
  virtual void EndConsumerSubscriptions(std::string_view consumer_arn) = 0;
  // DeleteStream: every subscription of the stream ends with a ResourceNotFound frame.
  virtual void EndStreamSubscriptions(uint64_t stream_uid) = 0;
};

struct ApiContext {
  catalog::Catalog* catalog = nullptr;
  const Clock* clock = nullptr;
  model::IteratorKey iterator_key{};  // also signs pagination tokens
  // Null when neither data-plane nor control-plane limits are on (`--limits off
  // --control-plane-limits off`): the put path then does no limiter work at all.
  limits::LimitsRegistry* limits = nullptr;
  FaultConfig faults;
  ApiOptions options;
  // Null with `--metrics off`: nothing is recorded (streams then have no recorder either).
  KinesisMetrics* metrics = nullptr;
  // Null when fan-out is not wired (unit tests); both point at the same hub.
  FanOutControl* fanout = nullptr;
  fanout::Hub* fanout_hub = nullptr;
};

}  // namespace sluice::server::api
