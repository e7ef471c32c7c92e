#pragma once
// What one scrape of GET /metrics shows, and how it is written. The snapshot is plain data (the
// exporter fills it from the metrics aggregator, the store, /proc and the catalog), so the
// mapping from CloudWatch-style series to Prometheus names is tested on exact text.
//
// Names follow prometheus.io's conventions: one prefix `sluice_`, base units (seconds, bytes),
// counters end in `_total`. Mapping (AWS/Kinesis metric -> family, label set):
//   IncomingBytes / IncomingRecords {StreamName}    -> sluice_stream_incoming_{bytes,records}_total{stream}
//   GetRecords.Bytes / GetRecords.Records           -> sluice_stream_outgoing_{bytes,records}_total{stream}
//   WriteProvisionedThroughputExceeded              -> sluice_stream_write_throttled_records_total{stream}
//   ReadProvisionedThroughputExceeded               -> sluice_stream_read_throttled_calls_total{stream}
//   GetRecords.IteratorAgeMilliseconds              -> sluice_stream_iterator_age_seconds{stream} (max, last minute)
//   the same with {ShardId, StreamName} (enhanced monitoring only) -> sluice_shard_*{stream,shard}
//   (catalog) open shards of each stream             -> sluice_stream_open_shards{stream}
//   Sluice/API Requests, Errors                     -> sluice_api_requests_total{operation,code} (code "OK" or the
//   error) Sluice/API Latency (histogram)                  -> sluice_api_request_duration_seconds{operation}
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "metrics/metric_id.h"
#include "server/observe/prometheus_text.h"

namespace sluice::server::observe {

// One series of the aggregator with its totals since start, values in `unit`.
struct PromSeries {
  metrics::MetricId id;
  metrics::Unit unit = metrics::Unit::kCount;
  double sample_count = 0;
  double sum = 0;
  // Histogram series: (value, count) pairs in `unit` (sketch bucket representatives).
  std::vector<std::pair<double, uint64_t>> distribution;
  // Gauges read as "recent maximum" (iterator age): the maximum of the last minute, if any.
  std::optional<double> recent_max;
};

struct ProcessStats {
  bool ok = false;
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double cpu_seconds = 0;
  double open_fds = 0;
  double max_fds = 0;
  double start_time_seconds = 0;  // Unix time
};

struct StorageGauges {
  int64_t streams = -1;  // -1: unknown, not shown
  int64_t open_shards = -1;
  int64_t disk_bytes = -1;    // --storage disk only
  int64_t memory_bytes = -1;  // --storage memory only
  // Open shards per stream (stream-level, so always shown; capacity = shards x the shard limits).
  std::vector<std::pair<std::string, int64_t>> stream_open_shards;
};

struct PromSnapshot {
  std::string version;
  std::vector<PromSeries> series;
  ProcessStats process;
  StorageGauges storage;
  std::optional<uint64_t> access_log_dropped;  // set when the access log is on
  std::optional<uint64_t> access_log_lines;
  uint64_t series_dropped_before = 0;  // dropped by earlier scrapes
};

// Upper bounds (seconds) of sluice_api_request_duration_seconds.
inline constexpr double kLatencyBuckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                             0.1,    0.25,  0.5,    1,     2.5,  5,     10};

struct RenderStats {
  size_t series = 0;     // data series written (histograms count each bucket, _sum and _count)
  uint64_t dropped = 0;  // data series left out by the cap in this scrape
};

// Writes the page. `max_series` caps the data series (API, stream and shard families; the
// process, storage, build and exporter families are always written); stream-level series go
// before shard-level ones, so the cap drops shard series first.
RenderStats RenderPrometheus(const PromSnapshot& snap, ExpositionFormat format, size_t max_series, std::string* out);

// The multiplier from `unit` to the base unit (seconds or bytes); 1 for counts and unknowns.
double ToBaseUnit(metrics::Unit unit);

}  // namespace sluice::server::observe
