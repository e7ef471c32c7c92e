#pragma once
// Turns the hot path's CounterSets into stored datapoints: every second it collects each
// registered set and adds one point per non-empty cell to the store (at 1-second resolution
// where the set keeps seconds, else folded into the minute). It also keeps cumulative totals
// per series since start, which the Prometheus exposition reads.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "base/clock.h"
#include "base/mutex.h"
#include "metrics/counter_set.h"
#include "metrics/metric_store.h"

namespace sluice::metrics {

struct SeriesSpec {
  MetricId id;
  Unit unit = Unit::kCount;
  double scale = 1.0;  // recorded value × scale = reported value
};

struct Cumulative {
  double sample_count = 0;
  double sum = 0;
  Sketch sketch;  // only for cells with a histogram
};

class MetricsAggregator {
 public:
  MetricsAggregator(MetricStore* store, const Clock* clock);
  ~MetricsAggregator();

  // Registers a set whose cell i is published as series[i]. `histograms[i]` keeps a sketch for
  // percentiles. The set is collected until Unregister (its pending samples are collected then;
  // the caller must not hold a Scope of that set on the calling thread, which it would wait for).
  std::shared_ptr<CounterSet> Register(std::vector<SeriesSpec> series, std::vector<bool> histograms, bool keep_seconds);
  void Unregister(const CounterSet* set) EXCLUDES(collect_mu_, mu_);

  // Collects every set (called every second from a background task, and in tests) and adds each
  // non-empty cell to the store at the current second (resolution 1 s for sets that keep
  // seconds, else 60 s).
  void Tick() EXCLUDES(collect_mu_, mu_);

  // Visits every registered series with its totals since start (under the aggregator's lock;
  // do not call back into it).
  void ForEachCumulative(const std::function<void(const SeriesSpec&, const Cumulative&)>& fn) const;

  size_t series_count() const;

 private:
  struct Entry;
  // Adds one collection to the store and the totals (takes mu_ for the totals only).
  void Publish(Entry& e, const std::vector<StatSet>& stats, int64_t now_ms) REQUIRES(collect_mu_) EXCLUDES(mu_);

  MetricStore* store_;
  const Clock* clock_;
  // Serialises collectors (Tick, Unregister): a CounterSet has one collector at a time. Writers
  // never take it; Register and ForEachCumulative do not wait for a collection.
  Mutex collect_mu_ ACQUIRED_BEFORE(mu_);
  mutable Mutex mu_;
  std::vector<std::unique_ptr<Entry>> entries_ GUARDED_BY(mu_);
};

}  // namespace sluice::metrics
