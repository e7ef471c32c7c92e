#include "server/observe/prometheus_page.h"

#include <algorithm>
#include <limits>
#include <map>
#include <string_view>

namespace sluice::server::observe {

namespace {

using metrics::MetricId;
using metrics::Unit;

constexpr std::string_view kKinesisNs = "AWS/Kinesis";
constexpr std::string_view kApiNs = "Sluice/API";

// How a data series is read.
enum class Read : uint8_t { kSum, kRecentMax };

struct FamilyDef {
  std::string_view name;  // base name (no _total)
  MetricType type;
  std::string_view unit;
  std::string_view help;
};

// One row: a CloudWatch metric (stream- or shard-level) and the family it feeds.
// The dimensions a mapped series has beside StreamName.
enum Level : uint8_t { kStreamLevel, kShardLevel, kConsumerLevel };

struct KinesisMapping {
  std::string_view metric;
  Level level;
  Read read;
  FamilyDef family;
};

constexpr KinesisMapping kKinesisMappings[] = {
    {"IncomingBytes",
     kStreamLevel,
     Read::kSum,
     {"sluice_stream_incoming_bytes", MetricType::kCounter, "bytes", "Bytes successfully put to the stream."}},
    {"IncomingRecords",
     kStreamLevel,
     Read::kSum,
     {"sluice_stream_incoming_records", MetricType::kCounter, "", "Records successfully put to the stream."}},
    {"GetRecords.Bytes",
     kStreamLevel,
     Read::kSum,
     {"sluice_stream_outgoing_bytes", MetricType::kCounter, "bytes", "Bytes returned by GetRecords."}},
    {"GetRecords.Records",
     kStreamLevel,
     Read::kSum,
     {"sluice_stream_outgoing_records", MetricType::kCounter, "", "Records returned by GetRecords."}},
    {"WriteProvisionedThroughputExceeded",
     kStreamLevel,
     Read::kSum,
     {"sluice_stream_write_throttled_records", MetricType::kCounter, "",
      "Records refused by write throttling (PutRecord and PutRecords)."}},
    {"ReadProvisionedThroughputExceeded",
     kStreamLevel,
     Read::kSum,
     {"sluice_stream_read_throttled_calls", MetricType::kCounter, "", "GetRecords calls refused by read throttling."}},
    {"GetRecords.IteratorAgeMilliseconds",
     kStreamLevel,
     Read::kRecentMax,
     {"sluice_stream_iterator_age_seconds", MetricType::kGauge, "seconds",
      "Maximum over the last minute of now minus the arrival of the last record GetRecords returned (0 = caught "
      "up)."}},
    {"IncomingBytes",
     kShardLevel,
     Read::kSum,
     {"sluice_shard_incoming_bytes", MetricType::kCounter, "bytes", "Bytes put to the shard (enhanced monitoring)."}},
    {"IncomingRecords",
     kShardLevel,
     Read::kSum,
     {"sluice_shard_incoming_records", MetricType::kCounter, "", "Records put to the shard (enhanced monitoring)."}},
    {"OutgoingBytes",
     kShardLevel,
     Read::kSum,
     {"sluice_shard_outgoing_bytes", MetricType::kCounter, "bytes",
      "Bytes read from the shard (enhanced monitoring)."}},
    {"OutgoingRecords",
     kShardLevel,
     Read::kSum,
     {"sluice_shard_outgoing_records", MetricType::kCounter, "", "Records read from the shard (enhanced monitoring)."}},
    {"WriteProvisionedThroughputExceeded",
     kShardLevel,
     Read::kSum,
     {"sluice_shard_write_throttled_records", MetricType::kCounter, "",
      "Records refused by the shard's write limits (enhanced monitoring)."}},
    {"ReadProvisionedThroughputExceeded",
     kShardLevel,
     Read::kSum,
     {"sluice_shard_read_throttled_calls", MetricType::kCounter, "",
      "GetRecords calls refused by the shard's read limits (enhanced monitoring)."}},
    {"IteratorAgeMilliseconds",
     kShardLevel,
     Read::kRecentMax,
     {"sluice_shard_iterator_age_seconds", MetricType::kGauge, "seconds",
      "Maximum over the last minute of the iterator age of GetRecords on the shard (enhanced monitoring)."}},
    {"SubscribeToShard.Success",
     kConsumerLevel,
     Read::kSum,
     {"sluice_consumer_subscriptions", MetricType::kCounter, "",
      "SubscribeToShard calls of the consumer that opened a subscription (enhanced fan-out)."}},
    {"SubscribeToShard.RateExceeded",
     kConsumerLevel,
     Read::kSum,
     {"sluice_consumer_subscribe_rate_exceeded", MetricType::kCounter, "",
      "SubscribeToShard calls refused for coming faster than one a second per shard (enhanced fan-out)."}},
    {"SubscribeToShardEvent.Success",
     kConsumerLevel,
     Read::kSum,
     {"sluice_consumer_events", MetricType::kCounter, "",
      "Events pushed to the consumer's subscriptions, heartbeats included (enhanced fan-out)."}},
    {"SubscribeToShardEvent.Bytes",
     kConsumerLevel,
     Read::kSum,
     {"sluice_consumer_outgoing_bytes", MetricType::kCounter, "bytes",
      "Record bytes pushed to the consumer (enhanced fan-out)."}},
    {"SubscribeToShardEvent.Records",
     kConsumerLevel,
     Read::kSum,
     {"sluice_consumer_outgoing_records", MetricType::kCounter, "",
      "Records pushed to the consumer (enhanced fan-out)."}},
    {"SubscribeToShardEvent.MillisBehindLatest",
     kConsumerLevel,
     Read::kRecentMax,
     {"sluice_consumer_behind_latest_seconds", MetricType::kGauge, "seconds",
      "Maximum over the last minute of how far the consumer's events were behind the shard's newest record "
      "(enhanced fan-out)."}},
};

constexpr FamilyDef kStreamShards = {"sluice_stream_open_shards", MetricType::kGauge, "",
                                     "Open shards of the stream: its write capacity is this many times the shard "
                                     "limits (AWS: 1 MiB/s and 1000 records/s each)."};

constexpr FamilyDef kApiRequests = {"sluice_api_requests", MetricType::kCounter, "",
                                    "API calls by operation and outcome (code is OK or the error code)."};
constexpr FamilyDef kApiDuration = {"sluice_api_request_duration_seconds", MetricType::kHistogram, "seconds",
                                    "Time to answer an API call, from the complete request to the response."};

const std::string* DimValue(const MetricId& id, std::string_view name) {
  for (const auto& d : id.dims)
    if (d.name == name) return &d.value;
  return nullptr;
}

struct Entry {
  Labels labels;
  double value = 0;
  // Histograms: cumulative counts per kLatencyBuckets bound, then the total (+Inf).
  std::vector<uint64_t> buckets;
  double sum = 0;
};

struct Family {
  FamilyDef def;
  std::vector<Entry> entries;
};

bool LabelsLess(const Entry& a, const Entry& b) {
  for (size_t i = 0; i < a.labels.size() && i < b.labels.size(); ++i) {
    if (a.labels[i].second != b.labels[i].second) return a.labels[i].second < b.labels[i].second;
  }
  return a.labels.size() < b.labels.size();
}

Entry HistogramEntry(const PromSeries& s, Labels labels) {
  const double f = ToBaseUnit(s.unit);
  Entry e;
  e.labels = std::move(labels);
  constexpr size_t kBounds = std::size(kLatencyBuckets);
  e.buckets.assign(kBounds + 1, 0);
  uint64_t total = 0;
  for (const auto& [value, count] : s.distribution) {
    const double v = value * f;
    size_t i = 0;
    while (i < kBounds && v > kLatencyBuckets[i]) ++i;
    e.buckets[i] += count;
    total += count;
  }
  if (s.distribution.empty()) total = static_cast<uint64_t>(s.sample_count);
  for (size_t i = 1; i <= kBounds; ++i) e.buckets[i] += e.buckets[i - 1];
  e.buckets[kBounds] = total;  // +Inf: every sample, also those only counted
  e.sum = s.sum * f;
  return e;
}

// Collects the data families, in output order (API, stream, shard).
std::vector<Family> DataFamilies(const PromSnapshot& snap) {
  std::vector<Family> families;
  families.push_back({kApiRequests, {}});
  families.push_back({kApiDuration, {}});
  families.push_back({kStreamShards, {}});
  constexpr size_t kFirstMapped = 3;  // kKinesisMappings[i] feeds families[kFirstMapped + i]
  for (const auto& [stream, shards] : snap.storage.stream_open_shards) {
    families[2].entries.push_back({{{"stream", stream}}, static_cast<double>(shards), {}, 0});
  }
  for (const auto& m : kKinesisMappings) families.push_back({m.family, {}});

  // API outcome counts: Requests counts every call, Errors the failed ones by code.
  std::map<std::string, double> requests;
  std::map<std::pair<std::string, std::string>, double> errors;
  for (const PromSeries& s : snap.series) {
    const MetricId& id = s.id;
    if (id.ns == kApiNs) {
      const std::string* op = DimValue(id, "Operation");
      if (op == nullptr) continue;
      if (id.name == "Requests" && id.dims.size() == 1) {
        requests[*op] += s.sum;
      } else if (id.name == "Errors" && id.dims.size() == 2) {
        const std::string* code = DimValue(id, "ErrorCode");
        if (code != nullptr) errors[{*op, *code}] += s.sum;
      } else if (id.name == "Latency" && id.dims.size() == 1 && s.sample_count > 0) {
        // Operations never called get no histogram (every operation is registered up front).
        families[1].entries.push_back(HistogramEntry(s, {{"operation", *op}}));
      }
      continue;
    }
    if (id.ns != kKinesisNs) continue;
    const std::string* stream = DimValue(id, "StreamName");
    const std::string* shard = DimValue(id, "ShardId");
    const std::string* consumer = DimValue(id, "ConsumerName");
    if (stream == nullptr) continue;
    const Level level = shard != nullptr ? kShardLevel : consumer != nullptr ? kConsumerLevel : kStreamLevel;
    if (id.dims.size() != (level == kStreamLevel ? 1u : 2u)) continue;
    for (size_t i = 0; i < std::size(kKinesisMappings); ++i) {
      const KinesisMapping& m = kKinesisMappings[i];
      if (m.metric != id.name || m.level != level) continue;
      Entry e;
      e.labels.emplace_back("stream", *stream);
      if (level == kShardLevel) e.labels.emplace_back("shard", *shard);
      if (level == kConsumerLevel) e.labels.emplace_back("consumer", *consumer);
      if (m.read == Read::kSum) {
        e.value = s.sum * ToBaseUnit(s.unit);
      } else {
        if (!s.recent_max) break;
        e.value = *s.recent_max * ToBaseUnit(s.unit);
      }
      families[kFirstMapped + i].entries.push_back(std::move(e));
      break;
    }
  }
  for (const auto& [op, total] : requests) {
    double failed = 0;
    for (auto it = errors.lower_bound({op, ""}); it != errors.end() && it->first.first == op; ++it)
      failed += it->second;
    families[0].entries.push_back({{{"operation", op}, {"code", "OK"}}, std::max(0.0, total - failed), {}, 0});
  }
  // Error codes are registered up front for every operation: show those that happened.
  for (const auto& [key, n] : errors)
    if (n > 0) families[0].entries.push_back({{{"operation", key.first}, {"code", key.second}}, n, {}, 0});
  for (auto& f : families) {
    std::stable_sort(f.entries.begin(), f.entries.end(), LabelsLess);
    // Streams of the same name in two accounts share a label set: one series, summed (a page must
    // not repeat a series).
    if (f.def.type == MetricType::kHistogram) continue;
    std::vector<Entry> merged;
    for (Entry& e : f.entries) {
      if (!merged.empty() && merged.back().labels == e.labels) {
        merged.back().value += e.value;
      } else {
        merged.push_back(std::move(e));
      }
    }
    f.entries = std::move(merged);
  }
  return families;
}

size_t Cost(const Family& f) { return f.def.type == MetricType::kHistogram ? std::size(kLatencyBuckets) + 3 : 1; }

void WriteFamily(ExpositionWriter& w, const FamilyDef& def, const std::vector<const Entry*>& entries) {
  w.BeginFamily(def.name, def.type, def.help, def.unit);
  for (const Entry* e : entries) {
    if (def.type != MetricType::kHistogram) {
      w.Sample(w.ValueSuffix(), e->labels, e->value);
      continue;
    }
    for (size_t i = 0; i < e->buckets.size(); ++i) {
      const std::string le =
          BucketBound(i < std::size(kLatencyBuckets) ? kLatencyBuckets[i] : std::numeric_limits<double>::infinity());
      w.Sample("_bucket", e->labels, static_cast<double>(e->buckets[i]), {"le", le});
    }
    w.Sample("_count", e->labels, static_cast<double>(e->buckets.back()));
    w.Sample("_sum", e->labels, e->sum);
  }
}

void WriteGauge(ExpositionWriter& w, std::string_view name, MetricType type, std::string_view unit,
                std::string_view help, double value) {
  w.BeginFamily(name, type, help, unit);
  w.Sample(w.ValueSuffix(), {}, value);
}

}  // namespace

double ToBaseUnit(Unit unit) {
  switch (unit) {
    case Unit::kMilliseconds: return 1e-3;
    case Unit::kMicroseconds: return 1e-6;
    case Unit::kKilobytes: return 1024.0;
    case Unit::kMegabytes: return 1024.0 * 1024;
    case Unit::kGigabytes: return 1024.0 * 1024 * 1024;
    default: return 1;
  }
}

RenderStats RenderPrometheus(const PromSnapshot& snap, ExpositionFormat format, size_t max_series, std::string* out) {
  ExpositionWriter w(format, out);
  RenderStats stats;

  w.BeginFamily("sluice_build", MetricType::kInfo, "Sluice build information.");
  w.Sample(w.ValueSuffix(), {{"version", snap.version}}, 1);
  if (snap.process.ok) {
    const ProcessStats& p = snap.process;
    WriteGauge(w, "process_cpu_seconds", MetricType::kCounter, "seconds", "Total user and system CPU time spent.",
               p.cpu_seconds);
    WriteGauge(w, "process_resident_memory_bytes", MetricType::kGauge, "bytes", "Resident memory size.",
               p.resident_bytes);
    WriteGauge(w, "process_virtual_memory_bytes", MetricType::kGauge, "bytes", "Virtual memory size.", p.virtual_bytes);
    WriteGauge(w, "process_open_fds", MetricType::kGauge, "", "Open file descriptors.", p.open_fds);
    WriteGauge(w, "process_max_fds", MetricType::kGauge, "", "Limit on open file descriptors.", p.max_fds);
    WriteGauge(w, "process_start_time_seconds", MetricType::kGauge, "seconds",
               "Start time of the process since the Unix epoch.", p.start_time_seconds);
  }
  const StorageGauges& st = snap.storage;
  if (st.streams >= 0)
    WriteGauge(w, "sluice_streams", MetricType::kGauge, "", "Streams (any status).", static_cast<double>(st.streams));
  if (st.open_shards >= 0)
    WriteGauge(w, "sluice_open_shards", MetricType::kGauge, "", "Open shards over all streams.",
               static_cast<double>(st.open_shards));
  if (st.disk_bytes >= 0)
    WriteGauge(w, "sluice_storage_disk_bytes", MetricType::kGauge, "bytes", "Bytes of shard log files on disk.",
               static_cast<double>(st.disk_bytes));
  if (st.memory_bytes >= 0)
    WriteGauge(w, "sluice_storage_memory_bytes", MetricType::kGauge, "bytes", "Record bytes held in memory.",
               static_cast<double>(st.memory_bytes));
  if (snap.access_log_lines)
    WriteGauge(w, "sluice_access_log_lines", MetricType::kCounter, "", "Access log lines written.",
               static_cast<double>(*snap.access_log_lines));
  if (snap.access_log_dropped)
    WriteGauge(w, "sluice_access_log_dropped", MetricType::kCounter, "",
               "Access log lines dropped because the writer could not keep up.",
               static_cast<double>(*snap.access_log_dropped));

  for (const Family& f : DataFamilies(snap)) {
    if (f.entries.empty()) continue;
    std::vector<const Entry*> kept;
    for (const Entry& e : f.entries) {
      if (stats.series + Cost(f) > max_series) {
        ++stats.dropped;
        continue;
      }
      stats.series += Cost(f);
      kept.push_back(&e);
    }
    if (!kept.empty()) WriteFamily(w, f.def, kept);
  }
  WriteGauge(w, "sluice_prometheus_series_dropped", MetricType::kCounter, "",
             "Series left out of scrapes by --prometheus-max-series.",
             static_cast<double>(snap.series_dropped_before + stats.dropped));
  w.Finish();
  return stats;
}

}  // namespace sluice::server::observe
