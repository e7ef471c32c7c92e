#include "server/api/kinesis_metrics.h"

#include <algorithm>
#include <utility>

#include "model/shard_id.h"
#include "protocol/aws_error.h"

namespace sluice::server::api {

namespace kinesis_metrics {
namespace {

using metrics::Unit;

// Latencies are recorded in microseconds and reported in milliseconds, with percentiles.
constexpr double kMicrosToMillis = 0.001;

constexpr MetricDef kStreamDefs[kStreamMetricCount] = {
    {"GetRecords.Bytes", Unit::kBytes, 1, false},
    {"GetRecords.IteratorAgeMilliseconds", Unit::kMilliseconds, 1, false},
    {"GetRecords.Latency", Unit::kMilliseconds, kMicrosToMillis, true},
    {"GetRecords.Records", Unit::kCount, 1, false},
    {"GetRecords.Success", Unit::kCount, 1, false},
    {"IncomingBytes", Unit::kBytes, 1, false},
    {"IncomingRecords", Unit::kCount, 1, false},
    {"PutRecord.Bytes", Unit::kBytes, 1, false},
    {"PutRecord.Latency", Unit::kMilliseconds, kMicrosToMillis, true},
    {"PutRecord.Success", Unit::kCount, 1, false},
    {"PutRecords.Bytes", Unit::kBytes, 1, false},
    {"PutRecords.Latency", Unit::kMilliseconds, kMicrosToMillis, true},
    {"PutRecords.Success", Unit::kCount, 1, false},
    {"PutRecords.TotalRecords", Unit::kCount, 1, false},
    {"PutRecords.SuccessfulRecords", Unit::kCount, 1, false},
    {"PutRecords.FailedRecords", Unit::kCount, 1, false},
    {"PutRecords.ThrottledRecords", Unit::kCount, 1, false},
    {"PutRecords.Records", Unit::kCount, 1, false},
    {"ReadProvisionedThroughputExceeded", Unit::kCount, 1, false},
    {"WriteProvisionedThroughputExceeded", Unit::kCount, 1, false},
};

constexpr MetricDef kShardDefs[kShardMetricCount] = {
    {"IncomingBytes", Unit::kBytes, 1, false},
    {"IncomingRecords", Unit::kCount, 1, false},
    {"IteratorAgeMilliseconds", Unit::kMilliseconds, 1, false},
    {"OutgoingBytes", Unit::kBytes, 1, false},
    {"OutgoingRecords", Unit::kCount, 1, false},
    {"ReadProvisionedThroughputExceeded", Unit::kCount, 1, false},
    {"WriteProvisionedThroughputExceeded", Unit::kCount, 1, false},
};

constexpr MetricDef kConsumerDefs[kConsumerMetricCount] = {
    {"SubscribeToShard.RateExceeded", Unit::kCount, 1, false},
    {"SubscribeToShard.Success", Unit::kCount, 1, false},
    {"SubscribeToShardEvent.Bytes", Unit::kBytes, 1, false},
    {"SubscribeToShardEvent.MillisBehindLatest", Unit::kMilliseconds, 1, false},
    {"SubscribeToShardEvent.Records", Unit::kCount, 1, false},
    {"SubscribeToShardEvent.Success", Unit::kCount, 1, false},
};

// EnableEnhancedMonitoring's MetricsName order (the botocore model's enum order).
constexpr ShardMetric kModelOrder[kShardMetricCount] = {
    kShardIncomingBytes,
    kShardIncomingRecords,
    kShardOutgoingBytes,
    kShardOutgoingRecords,
    kShardWriteProvisionedThroughputExceeded,
    kShardReadProvisionedThroughputExceeded,
    kShardIteratorAgeMilliseconds,
};

template <size_t N>
std::vector<metrics::SeriesSpec> Series(const MetricDef (&defs)[N], const std::vector<metrics::Dimension>& dims) {
  std::vector<metrics::SeriesSpec> out;
  out.reserve(N);
  for (const MetricDef& d : defs) {
    metrics::SeriesSpec spec;
    spec.id.ns = std::string(kNamespace);
    spec.id.name = std::string(d.name);
    spec.id.dims = dims;
    spec.id.Normalize();
    spec.unit = d.unit;
    spec.scale = d.scale;
    out.push_back(std::move(spec));
  }
  return out;
}

template <size_t N>
std::vector<bool> Histograms(const MetricDef (&defs)[N]) {
  std::vector<bool> out;
  for (const MetricDef& d : defs) out.push_back(d.histogram);
  return out;
}

}  // namespace

const MetricDef& Def(StreamMetric m) { return kStreamDefs[m]; }
const MetricDef& Def(ShardMetric m) { return kShardDefs[m]; }
const MetricDef& Def(ConsumerMetric m) { return kConsumerDefs[m]; }

std::optional<ShardMetric> ParseShardMetric(std::string_view name) {
  for (size_t i = 0; i < kShardMetricCount; ++i)
    if (kShardDefs[i].name == name) return static_cast<ShardMetric>(i);
  return std::nullopt;
}

std::vector<std::string> ExpandShardLevelMetrics(std::span<const std::string_view> names) {
  bool all = std::find(names.begin(), names.end(), "ALL") != names.end();
  std::vector<std::string> out;
  for (ShardMetric m : kModelOrder) {
    std::string_view n = kShardDefs[m].name;
    if (all || std::find(names.begin(), names.end(), n) != names.end()) out.emplace_back(n);
  }
  return out;
}

std::vector<metrics::SeriesSpec> StreamSeries(std::string_view stream) {
  return Series(kStreamDefs, {{std::string(kStreamName), std::string(stream)}});
}

std::vector<metrics::SeriesSpec> ShardSeries(std::string_view stream, std::string_view shard_id) {
  return Series(kShardDefs,
                {{std::string(kShardId), std::string(shard_id)}, {std::string(kStreamName), std::string(stream)}});
}

std::vector<metrics::SeriesSpec> ConsumerSeries(std::string_view stream, std::string_view consumer) {
  return Series(kConsumerDefs,
                {{std::string(kConsumerName), std::string(consumer)}, {std::string(kStreamName), std::string(stream)}});
}

}  // namespace kinesis_metrics

namespace km = kinesis_metrics;

RegisteredCounterSet::RegisteredCounterSet(metrics::MetricsAggregator* aggregator,
                                           std::vector<metrics::SeriesSpec> series, std::vector<bool> histograms,
                                           bool keep_seconds)
    : aggregator_(aggregator), set_(aggregator->Register(std::move(series), std::move(histograms), keep_seconds)) {}

RegisteredCounterSet::~RegisteredCounterSet() { aggregator_->Unregister(set_.get()); }

namespace {

// Sluice/API cells of one operation: Requests, Latency, then Errors per AWS error type.
constexpr size_t kRequestsCell = 0;
constexpr size_t kLatencyCell = 1;
constexpr size_t kFirstErrorCell = 2;
constexpr int kErrorTypeCount = static_cast<int>(protocol::AwsErrorType::kRequestEntityTooLarge) + 1;

metrics::SeriesSpec ApiSeries(std::string_view name, metrics::Unit unit, double scale,
                              std::vector<metrics::Dimension> dims) {
  metrics::SeriesSpec spec;
  spec.id.ns = std::string(km::kApiNamespace);
  spec.id.name = std::string(name);
  spec.id.dims = std::move(dims);
  spec.id.Normalize();
  spec.unit = unit;
  spec.scale = scale;
  return spec;
}

}  // namespace

KinesisMetrics::KinesisMetrics(metrics::MetricsAggregator* aggregator, std::span<const std::string_view> operations,
                               KinesisMetricsOptions options)
    : aggregator_(aggregator), options_(options) {
  for (std::string_view op : operations) {
    metrics::Dimension op_dim{std::string(km::kOperation), std::string(op)};
    std::vector<metrics::SeriesSpec> series;
    std::vector<bool> histograms;
    series.push_back(ApiSeries(km::kRequests, metrics::Unit::kCount, 1, {op_dim}));
    histograms.push_back(false);
    series.push_back(ApiSeries(km::kLatency, metrics::Unit::kMilliseconds, 0.001, {op_dim}));
    histograms.push_back(true);
    for (int e = 0; e < kErrorTypeCount; ++e) {
      std::string code(protocol::AwsErrorName(static_cast<protocol::AwsErrorType>(e)));
      series.push_back(ApiSeries(km::kErrors, metrics::Unit::kCount, 1, {op_dim, {std::string(km::kErrorCode), code}}));
      histograms.push_back(false);
    }
    operations_.push_back(
        std::make_unique<RegisteredCounterSet>(aggregator_, std::move(series), std::move(histograms), true));
  }
}

KinesisMetrics::~KinesisMetrics() = default;

std::shared_ptr<RegisteredCounterSet> KinesisMetrics::RegisterConsumer(std::string_view stream,
                                                                       std::string_view consumer) {
  return std::make_shared<RegisteredCounterSet>(aggregator_, km::ConsumerSeries(stream, consumer),
                                                km::Histograms(km::kConsumerDefs), options_.stream_seconds);
}

void KinesisMetrics::RecordCall(size_t op, int64_t latency_us, int error_type) {
  if (op >= operations_.size()) return;
  auto scope = operations_[op]->set().Begin();
  scope.Add(kRequestsCell, 1);
  scope.Add(kLatencyCell, latency_us);
  if (error_type >= 0 && error_type < kErrorTypeCount) scope.Add(kFirstErrorCell + size_t(error_type), 1);
}

void StreamRecorder::Record(const PutRecordCall& c) const {
  {
    auto scope = stream().Begin();
    scope.Add(km::kPutRecordLatency, c.latency_us);
    scope.Add(km::kPutRecordSuccess, c.success ? 1 : 0);
    if (c.success) {
      scope.Add(km::kPutRecordBytes, static_cast<int64_t>(c.bytes));
      scope.Add(km::kIncomingBytes, static_cast<int64_t>(c.bytes));
      scope.Add(km::kIncomingRecords, 1);
    }
    // Per put call that reached the shard's limit: the records it refused (0 or 1 here).
    if (c.success || c.throttled) scope.Add(km::kWriteProvisionedThroughputExceeded, c.throttled ? 1 : 0);
  }
  if (c.shard < 0 || !(c.success || c.throttled)) return;
  metrics::CounterSet* sh = shard(static_cast<uint32_t>(c.shard));
  if (!sh) return;
  auto scope = sh->Begin();
  if (c.success && shard_metric_on(km::kShardIncomingBytes))
    scope.Add(km::kShardIncomingBytes, static_cast<int64_t>(c.bytes));
  if (c.success && shard_metric_on(km::kShardIncomingRecords)) scope.Add(km::kShardIncomingRecords, 1);
  if (shard_metric_on(km::kShardWriteProvisionedThroughputExceeded))
    scope.Add(km::kShardWriteProvisionedThroughputExceeded, c.throttled ? 1 : 0);
}

void StreamRecorder::Record(const PutRecordsCall& c) const {
  {
    auto scope = stream().Begin();
    scope.Add(km::kPutRecordsLatency, c.latency_us);
    if (c.rejected) {
      scope.Add(km::kPutRecordsSuccess, 0);
      return;
    }
    // AWS: "PutRecords operations where at least one record succeeded".
    scope.Add(km::kPutRecordsSuccess, c.successful > 0 ? 1 : 0);
    scope.Add(km::kPutRecordsTotalRecords, c.total);
    scope.Add(km::kPutRecordsSuccessfulRecords, c.successful);
    scope.Add(km::kPutRecordsFailedRecords, c.failed);
    scope.Add(km::kPutRecordsThrottledRecords, c.throttled);
    scope.Add(km::kPutRecordsRecords, c.successful);
    scope.Add(km::kPutRecordsBytes, static_cast<int64_t>(c.bytes));
    scope.Add(km::kIncomingBytes, static_cast<int64_t>(c.bytes));
    scope.Add(km::kIncomingRecords, c.successful);
    scope.Add(km::kWriteProvisionedThroughputExceeded, c.throttled);
  }
  if (shard_mask_ == 0) return;
  for (const PutRecordsShardPart& p : c.shards) {
    metrics::CounterSet* sh = shard(p.shard);
    if (!sh) continue;
    auto scope = sh->Begin();
    if (shard_metric_on(km::kShardIncomingBytes)) scope.Add(km::kShardIncomingBytes, static_cast<int64_t>(p.bytes));
    if (shard_metric_on(km::kShardIncomingRecords)) scope.Add(km::kShardIncomingRecords, p.records);
    if (shard_metric_on(km::kShardWriteProvisionedThroughputExceeded))
      scope.Add(km::kShardWriteProvisionedThroughputExceeded, p.throttled);
  }
}

void StreamRecorder::Record(const GetRecordsCall& c) const {
  {
    auto scope = stream().Begin();
    scope.Add(km::kGetRecordsLatency, c.latency_us);
    scope.Add(km::kGetRecordsSuccess, c.success ? 1 : 0);
    // Per GetRecords call that reached the shard's limit: 1 when it was refused.
    if (c.success || c.throttled) scope.Add(km::kReadProvisionedThroughputExceeded, c.throttled ? 1 : 0);
    if (c.success) {
      scope.Add(km::kGetRecordsBytes, static_cast<int64_t>(c.bytes));
      scope.Add(km::kGetRecordsRecords, c.records);
      if (c.iterator_age_ms) scope.Add(km::kGetRecordsIteratorAgeMilliseconds, *c.iterator_age_ms);
    }
  }
  if (!(c.success || c.throttled)) return;
  metrics::CounterSet* sh = shard(c.shard);
  if (!sh) return;
  auto scope = sh->Begin();
  if (shard_metric_on(km::kShardReadProvisionedThroughputExceeded))
    scope.Add(km::kShardReadProvisionedThroughputExceeded, c.throttled ? 1 : 0);
  if (!c.success) return;
  if (shard_metric_on(km::kShardOutgoingBytes)) scope.Add(km::kShardOutgoingBytes, static_cast<int64_t>(c.bytes));
  if (shard_metric_on(km::kShardOutgoingRecords)) scope.Add(km::kShardOutgoingRecords, c.records);
  if (c.iterator_age_ms && shard_metric_on(km::kShardIteratorAgeMilliseconds))
    scope.Add(km::kShardIteratorAgeMilliseconds, *c.iterator_age_ms);
}

std::shared_ptr<const catalog::StreamAttachment> KinesisMetrics::Attach(const catalog::Stream& s,
                                                                        const catalog::StreamAttachment* previous) {
  const auto* prev = static_cast<const StreamRecorder*>(previous);
  auto rec = std::make_shared<StreamRecorder>();
  if (prev) {
    rec->stream_ = prev->stream_;
  } else {
    rec->stream_ = std::make_shared<RegisteredCounterSet>(aggregator_, km::StreamSeries(s.name),
                                                          km::Histograms(km::kStreamDefs), options_.stream_seconds);
  }
  for (const std::string& name : s.shard_level_metrics)
    if (auto m = km::ParseShardMetric(name)) rec->shard_mask_ |= 1u << *m;
  if (rec->shard_mask_ == 0) return rec;  // shard sets of a previous recorder go with it
  rec->shards_.resize(s.shards.size());
  for (size_t i = 0; i < s.shards.size(); ++i) {
    if (prev && i < prev->shards_.size() && prev->shards_[i]) {
      rec->shards_[i] = prev->shards_[i];
      continue;
    }
    std::string shard_id = model::FormatShardId({s.shards[i].index});
    rec->shards_[i] = std::make_shared<RegisteredCounterSet>(aggregator_, km::ShardSeries(s.name, shard_id),
                                                             km::Histograms(km::kShardDefs), options_.shard_seconds);
  }
  return rec;
}

}  // namespace sluice::server::api
