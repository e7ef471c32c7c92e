#pragma once
// The embedded time-series store behind the CloudWatch API, alarms, Prometheus and doctor.
// Retention tiers as CloudWatch keeps them: 1-second points for 3 hours, 1-minute for 15 days,
// 5-minute for 63 days, 1-hour for 455 days. Points are added at 1 s or 60 s resolution and
// rolled into every coarser tier on the way in. Recent points live in memory and are flushed
// to disk periodically (a crash loses at most one flush interval of metrics, never stream data).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "metrics/metric_id.h"
#include "metrics/stat_set.h"

namespace sluice::metrics {

struct Datapoint {
  int64_t timestamp_ms = 0;  // period start
  Unit unit = Unit::kNone;
  StatSet stats;
};

struct ListMetricsQuery {
  std::optional<std::string> ns;
  std::optional<std::string> name;
  // Each filter dimension must be present; a value, when given, must match.
  std::vector<std::pair<std::string, std::optional<std::string>>> dims;
  bool recently_active = false;  // data within the last 3 hours (RecentlyActive=PT3H)
  std::string next_token;        // opaque, from a previous page
  size_t page_size = 500;
};

struct ListMetricsPage {
  std::vector<MetricId> metrics;
  std::string next_token;  // empty on the last page
};

struct MetricStoreOptions {
  int64_t second_retention_ms = 3LL * 3600 * 1000;
  int64_t minute_retention_ms = 15LL * 86400 * 1000;
  int64_t five_minute_retention_ms = 63LL * 86400 * 1000;
  int64_t hour_retention_ms = 455LL * 86400 * 1000;
  int64_t flush_interval_ms = 10'000;
  // ListMetrics only lists metrics with data within this window (CloudWatch: 2 weeks).
  int64_t list_window_ms = 14LL * 86400 * 1000;
};

struct MetricStoreStats {
  size_t series = 0;          // known series (each has a small in-memory head)
  size_t pending_points = 0;  // points held in memory, not yet on disk
};

// Thread-safe: every method may be called from any thread (one internal lock; Add only touches
// memory, Query and List read the database under it).
class MetricStore {
 public:
  virtual ~MetricStore() = default;

  // Adds samples at `timestamp_ms` (rounded down to `resolution_s`, 1 or 60) to the metric.
  // Cheap: updates memory only.
  virtual Status Add(const MetricId& id, Unit unit, int64_t timestamp_ms, const StatSet& stats, int resolution_s) = 0;

  // Aggregates per period over [start_ms, end_ms): periods start at start_ms; each datapoint
  // comes from the finest tier that holds data that old and whose resolution divides the period.
  // Periods without data are absent. `unit`, when given, keeps only points stored with it.
  virtual Result<std::vector<Datapoint>> Query(const MetricId& id, int64_t start_ms, int64_t end_ms, int64_t period_s,
                                               std::optional<Unit> unit) const = 0;
  // The same without sketches (datapoints carry SampleCount, Sum, Minimum, Maximum only): for
  // callers that need no extended statistic. Much cheaper on metrics with percentiles (no sketch
  // is built or returned).
  virtual Result<std::vector<Datapoint>> QueryBasic(const MetricId& id, int64_t start_ms, int64_t end_ms,
                                                    int64_t period_s, std::optional<Unit> unit) const {
    auto r = Query(id, start_ms, end_ms, period_s, unit);
    if (r.ok()) {
      for (Datapoint& d : *r) d.stats.sketch.Clear();
    }
    return r;
  }

  virtual Result<ListMetricsPage> List(const ListMetricsQuery& q) const = 0;

  // Writes what is in memory to disk (for the memory store, to its in-memory database). The
  // periodic Flush leaves still-open 5-minute and hourly points in memory (rewriting their long
  // chunks every few seconds would multiply disk writes); FlushAll writes those too, and the
  // store's destructor calls it.
  virtual Status Flush() = 0;
  virtual Status FlushAll() { return Flush(); }
  // Drops points past their tier's retention.
  virtual Status EnforceRetention() = 0;

  virtual MetricStoreStats Stats() const { return {}; }
};

// `<path>` is a SQLite file (metrics.db under --data-dir).
Result<std::unique_ptr<MetricStore>> OpenDiskMetricStore(const std::string& path, const Clock* clock,
                                                         MetricStoreOptions options = {});
std::unique_ptr<MetricStore> NewMemoryMetricStore(const Clock* clock, MetricStoreOptions options = {});

}  // namespace sluice::metrics
