#include "server/observe/prometheus_exporter.h"

#include <optional>

#include "server/observe/process_stats.h"

namespace sluice::server::observe {

namespace {

// Series read as "maximum over the last minute" rather than as totals.
bool IsRecentMaxSeries(const metrics::MetricId& id) {
  return id.ns == "AWS/Kinesis" &&
         (id.name == "GetRecords.IteratorAgeMilliseconds" || id.name == "IteratorAgeMilliseconds");
}

}  // namespace

PromSnapshot PrometheusExporter::Snapshot() const {
  PromSnapshot snap;
  snap.version = version_;
  if (sources_.aggregator != nullptr) {
    sources_.aggregator->ForEachCumulative([&](const metrics::SeriesSpec& spec, const metrics::Cumulative& c) {
      PromSeries s;
      s.id = spec.id;
      s.unit = spec.unit;
      s.sample_count = c.sample_count;
      s.sum = c.sum;
      if (!c.sketch.empty()) {
        for (const auto& b : c.sketch.Buckets()) s.distribution.emplace_back((b.lower + b.upper) / 2, b.count);
      }
      snap.series.push_back(std::move(s));
    });
  }
  if (sources_.store != nullptr && sources_.clock != nullptr) {
    // The minute in progress and the one before: the most recent complete-or-not minute with calls.
    const int64_t now = sources_.clock->NowMillis();
    const int64_t start = now / 60'000 * 60'000 - 60'000;
    for (PromSeries& s : snap.series) {
      if (!IsRecentMaxSeries(s.id)) continue;
      auto points = sources_.store->Query(s.id, start, now + 1, 60, std::nullopt);
      if (!points.ok() || points->empty()) continue;
      const auto& last = points->back().stats;
      if (!last.empty()) s.recent_max = last.max;
    }
  }
  snap.process = ReadProcessStats();
  if (sources_.storage) snap.storage = sources_.storage();
  if (sources_.access_log != nullptr) {
    snap.access_log_dropped = sources_.access_log->dropped();
    snap.access_log_lines = sources_.access_log->written();
  }
  snap.series_dropped_before = dropped_total_.load(std::memory_order_relaxed);
  return snap;
}

std::string_view PrometheusExporter::Render(std::string_view accept, std::string* body) const {
  const ExpositionFormat format = NegotiateFormat(accept);
  PromSnapshot snap = Snapshot();
  body->clear();
  RenderStats stats = RenderPrometheus(snap, format, max_series_, body);
  dropped_total_.fetch_add(stats.dropped, std::memory_order_relaxed);
  return ContentTypeOf(format);
}

}  // namespace sluice::server::observe
