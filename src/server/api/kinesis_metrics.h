#pragma once
// The AWS/Kinesis metric set and Sluice's per-operation service metrics: their names (stable:
// the Prometheus exposition and doctor key on them), and the recorders the handlers write into.
//
// Per stream, one CounterSet holds every stream-level metric (dimension StreamName) and, while
// enhanced monitoring is on, one CounterSet per shard holds the shard-level ones (dimensions
// ShardId + StreamName). They hang off catalog::Stream::attachment, which the catalog renews when
// the shards or the enabled metrics change, so a handler reaches them from the stream it already
// reads and records without taking a lock. Every per-call metric gets one sample per call
// (Minimum/Maximum/Average are per call); a minute without calls has no datapoint.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "catalog/stream.h"
#include "metrics/aggregator.h"
#include "metrics/counter_set.h"
#include "metrics/metric_id.h"

namespace sluice::server::api {

namespace kinesis_metrics {

inline constexpr std::string_view kNamespace = "AWS/Kinesis";
// Sluice's own per-operation metrics (a documented extension; not an AWS namespace).
inline constexpr std::string_view kApiNamespace = "Sluice/API";

inline constexpr std::string_view kStreamName = "StreamName";
inline constexpr std::string_view kShardId = "ShardId";
inline constexpr std::string_view kConsumerName = "ConsumerName";
inline constexpr std::string_view kOperation = "Operation";
inline constexpr std::string_view kErrorCode = "ErrorCode";

// Stream-level metrics, in the order of the stream CounterSet's cells.
enum StreamMetric : uint8_t {
  kGetRecordsBytes,
  kGetRecordsIteratorAgeMilliseconds,
  kGetRecordsLatency,
  kGetRecordsRecords,
  kGetRecordsSuccess,
  kIncomingBytes,
  kIncomingRecords,
  kPutRecordBytes,
  kPutRecordLatency,
  kPutRecordSuccess,
  kPutRecordsBytes,
  kPutRecordsLatency,
  kPutRecordsSuccess,
  kPutRecordsTotalRecords,
  kPutRecordsSuccessfulRecords,
  kPutRecordsFailedRecords,
  kPutRecordsThrottledRecords,
  kPutRecordsRecords,  // deprecated by AWS (= SuccessfulRecords); still emitted, tools read it
  kReadProvisionedThroughputExceeded,
  kWriteProvisionedThroughputExceeded,
  kStreamMetricCount,
};

// Shard-level ("enhanced") metrics, in the order of a shard CounterSet's cells. Their names are
// also EnableEnhancedMonitoring's MetricsName values.
enum ShardMetric : uint8_t {
  kShardIncomingBytes,
  kShardIncomingRecords,
  kShardIteratorAgeMilliseconds,
  kShardOutgoingBytes,
  kShardOutgoingRecords,
  kShardReadProvisionedThroughputExceeded,
  kShardWriteProvisionedThroughputExceeded,
  kShardMetricCount,
};

// Enhanced fan-out metrics (dimensions StreamName + ConsumerName): reserved here, emitted by the
// fan-out code through ConsumerSeries.
enum ConsumerMetric : uint8_t {
  kSubscribeToShardRateExceeded,
  kSubscribeToShardSuccess,
  kSubscribeToShardEventBytes,
  kSubscribeToShardEventMillisBehindLatest,
  kSubscribeToShardEventRecords,
  kSubscribeToShardEventSuccess,
  kConsumerMetricCount,
};

// Sluice/API metrics per operation: Requests and Latency {Operation}, Errors {Operation, ErrorCode}.
inline constexpr std::string_view kRequests = "Requests";
inline constexpr std::string_view kErrors = "Errors";
inline constexpr std::string_view kLatency = "Latency";

struct MetricDef {
  std::string_view name;
  metrics::Unit unit;
  double scale;    // recorded value × scale = reported value
  bool histogram;  // percentiles kept
};

const MetricDef& Def(StreamMetric m);
const MetricDef& Def(ShardMetric m);
const MetricDef& Def(ConsumerMetric m);

// "ALL" and the seven MetricsName values; nullopt for anything else.
std::optional<ShardMetric> ParseShardMetric(std::string_view name);
// The shard-level metric names a request enables, ALL expanded, in the model's order, without
// repeats.
std::vector<std::string> ExpandShardLevelMetrics(std::span<const std::string_view> names);

// Series of one stream (stream level) or one shard (shard level), in cell order.
std::vector<metrics::SeriesSpec> StreamSeries(std::string_view stream);
std::vector<metrics::SeriesSpec> ShardSeries(std::string_view stream, std::string_view shard_id);
std::vector<metrics::SeriesSpec> ConsumerSeries(std::string_view stream, std::string_view consumer);

}  // namespace kinesis_metrics

// A CounterSet registered with the aggregator until the last holder lets it go.
class RegisteredCounterSet {
 public:
  RegisteredCounterSet(metrics::MetricsAggregator* aggregator, std::vector<metrics::SeriesSpec> series,
                       std::vector<bool> histograms, bool keep_seconds);
  ~RegisteredCounterSet();
  RegisteredCounterSet(const RegisteredCounterSet&) = delete;
  RegisteredCounterSet& operator=(const RegisteredCounterSet&) = delete;
  metrics::CounterSet& set() const { return *set_; }

 private:
  metrics::MetricsAggregator* aggregator_;
  std::shared_ptr<metrics::CounterSet> set_;
};

// What one call reports, for StreamRecorder.
struct PutRecordCall {
  int64_t latency_us = 0;
  bool success = false;
  bool throttled = false;  // refused by the shard's write limit
  int64_t shard = -1;      // the shard it was routed to; -1 when it failed before routing
  uint64_t bytes = 0;      // data + partition key, when it succeeded
};

struct PutRecordsShardPart {
  uint32_t shard = 0;
  uint64_t bytes = 0;      // of the records the shard accepted
  uint32_t records = 0;    // accepted
  uint32_t throttled = 0;  // refused by the shard's write limit
};

struct PutRecordsCall {
  int64_t latency_us = 0;
  bool rejected = false;  // the whole call failed (validation, size cap): only Success 0 and Latency
  uint32_t total = 0;
  uint32_t successful = 0;
  uint32_t failed = 0;  // internal failures
  uint32_t throttled = 0;
  uint64_t bytes = 0;  // of the successful records
  std::span<const PutRecordsShardPart> shards;
};

struct GetRecordsCall {
  int64_t latency_us = 0;
  bool success = false;
  bool throttled = false;
  uint32_t shard = 0;
  uint64_t bytes = 0;
  uint32_t records = 0;
  std::optional<int64_t> iterator_age_ms;  // set for successful calls
};

// One stream incarnation's recorders (its catalog attachment).
class StreamRecorder final : public catalog::StreamAttachment {
 public:
  // The AWS/Kinesis semantics of each call (what counts, with what value) live here.
  void Record(const PutRecordCall& c) const;
  void Record(const PutRecordsCall& c) const;
  void Record(const GetRecordsCall& c) const;

  metrics::CounterSet& stream() const { return stream_->set(); }
  // The shard's set when any shard-level metric is enabled, else null.
  metrics::CounterSet* shard(uint32_t index) const {
    return index < shards_.size() && shards_[index] ? &shards_[index]->set() : nullptr;
  }
  bool shard_metric_on(kinesis_metrics::ShardMetric m) const { return (shard_mask_ >> m) & 1u; }

 private:
  friend class KinesisMetrics;
  std::shared_ptr<RegisteredCounterSet> stream_;
  std::vector<std::shared_ptr<RegisteredCounterSet>> shards_;  // by shard index; empty when off
  uint32_t shard_mask_ = 0;
};

// The stream handlers' view of a stream's recorder: null when metrics are off.
inline const StreamRecorder* RecorderOf(const catalog::Stream& s) {
  // The server installs one attachment factory (KinesisMetrics), so every attachment is a
  // StreamRecorder.
  return static_cast<const StreamRecorder*>(s.attachment.get());
}

struct KinesisMetricsOptions {
  bool stream_seconds = true;  // keep 1-second points of stream-level metrics (doctor reads them)
  bool shard_seconds = false;  // the same for shard-level metrics (1,000 shards × 7 metrics × 3 h)
};

// Owns the per-operation sets and builds stream recorders (the catalog's attachment factory).
class KinesisMetrics {
 public:
  // `operations`: every operation name the dispatcher routes (one Sluice/API set each).
  KinesisMetrics(metrics::MetricsAggregator* aggregator, std::span<const std::string_view> operations,
                 KinesisMetricsOptions options = {});
  ~KinesisMetrics();

  // For catalog::Catalog::SetAttachmentFactory.
  std::shared_ptr<const catalog::StreamAttachment> Attach(const catalog::Stream& s,
                                                          const catalog::StreamAttachment* previous);

  // The enhanced fan-out metrics of one consumer (cells: kinesis_metrics::ConsumerMetric),
  // collected until the last holder lets the set go.
  std::shared_ptr<RegisteredCounterSet> RegisterConsumer(std::string_view stream, std::string_view consumer);

  // One API call of operation `op` (an index into `operations`): latency in microseconds and
  // the AWS error type's index (protocol::AwsErrorType) or -1 when it succeeded.
  void RecordCall(size_t op, int64_t latency_us, int error_type);

 private:
  metrics::MetricsAggregator* aggregator_;
  KinesisMetricsOptions options_;
  std::vector<std::unique_ptr<RegisteredCounterSet>> operations_;
};

// Microseconds since `start_ns` on the clock's monotonic time (latency cells record µs).
inline int64_t ElapsedMicros(const Clock& clock, int64_t start_ns) {
  return (clock.MonotonicNanos() - start_ns) / 1000;
}

}  // namespace sluice::server::api
