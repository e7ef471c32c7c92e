#pragma once
// GET /metrics: gathers a PromSnapshot (aggregator totals, the last minute's iterator ages from
// the store, /proc, the catalog's gauges, the access log's counters) and renders it.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "metrics/aggregator.h"
#include "metrics/metric_store.h"
#include "server/http/observer.h"
#include "server/observe/access_log.h"
#include "server/observe/prometheus_page.h"

namespace sluice::server::observe {

struct PrometheusSources {
  const metrics::MetricsAggregator* aggregator = nullptr;  // null: no data families
  const metrics::MetricStore* store = nullptr;             // null: no iterator-age gauges
  const Clock* clock = nullptr;
  std::function<StorageGauges()> storage;  // may be empty
  const AccessLog* access_log = nullptr;   // null when off
};

class PrometheusExporter final : public http::MetricsPage {
 public:
  PrometheusExporter(PrometheusSources sources, std::string version, size_t max_series)
      : sources_(std::move(sources)), version_(std::move(version)), max_series_(max_series) {}

  std::string_view Render(std::string_view accept, std::string* body) const override;

  PromSnapshot Snapshot() const;

 private:
  PrometheusSources sources_;
  std::string version_;
  size_t max_series_;
  mutable std::atomic<uint64_t> dropped_total_{0};
};

}  // namespace sluice::server::observe
