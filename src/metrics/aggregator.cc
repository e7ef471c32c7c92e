#include "metrics/aggregator.h"

#include <algorithm>

namespace sluice::metrics {

struct MetricsAggregator::Entry {
  std::vector<SeriesSpec> series;
  std::vector<double> scale;
  bool keep_seconds = false;
  std::shared_ptr<CounterSet> set;
  std::vector<Cumulative> totals;  // under the aggregator's mu_
};

MetricsAggregator::MetricsAggregator(MetricStore* store, const Clock* clock) : store_(store), clock_(clock) {}

MetricsAggregator::~MetricsAggregator() = default;

std::shared_ptr<CounterSet> MetricsAggregator::Register(std::vector<SeriesSpec> series, std::vector<bool> histograms,
                                                        bool keep_seconds) {
  histograms.resize(series.size(), false);
  auto entry = std::make_unique<Entry>();
  entry->set = std::make_shared<CounterSet>(histograms);
  entry->scale.reserve(series.size());
  for (SeriesSpec& s : series) {
    s.id.Normalize();
    entry->scale.push_back(s.scale);
  }
  entry->totals.resize(series.size());
  entry->series = std::move(series);
  entry->keep_seconds = keep_seconds;
  std::shared_ptr<CounterSet> set = entry->set;
  MutexLock lock(&mu_);
  entries_.push_back(std::move(entry));
  return set;
}

void MetricsAggregator::Unregister(const CounterSet* set) {
  MutexLock collect(&collect_mu_);
  std::unique_ptr<Entry> entry;
  {
    MutexLock lock(&mu_);
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [&](const std::unique_ptr<Entry>& e) { return e->set.get() == set; });
    if (it == entries_.end()) return;
    entry = std::move(*it);
    entries_.erase(it);
  }
  // Its last samples still count: collect them before the set goes.
  std::vector<StatSet> stats;
  entry->set->Collect(entry->scale, &stats);
  Publish(*entry, stats, clock_->NowMillis());
}

void MetricsAggregator::Tick() {
  MutexLock collect(&collect_mu_);
  // Entries are only removed under collect_mu_ (held here), so the pointers stay valid while
  // mu_ is released for the collection and the store writes.
  std::vector<Entry*> entries;
  {
    MutexLock lock(&mu_);
    entries.reserve(entries_.size());
    for (const auto& e : entries_) entries.push_back(e.get());
  }
  const int64_t now = clock_->NowMillis();
  std::vector<StatSet> stats;
  for (Entry* e : entries) {
    e->set->Collect(e->scale, &stats);
    Publish(*e, stats, now);
  }
}

void MetricsAggregator::Publish(Entry& e, const std::vector<StatSet>& stats, int64_t now_ms) {
  const int resolution = e.keep_seconds ? 1 : 60;
  const int64_t ts = now_ms / 1000 * 1000;
  bool any = false;
  for (size_t i = 0; i < stats.size() && i < e.series.size(); ++i) {
    if (stats[i].empty()) continue;
    any = true;
    // A store error here only loses metrics; there is no caller to hand it to.
    store_->Add(e.series[i].id, e.series[i].unit, ts, stats[i], resolution).IgnoreError();
  }
  if (!any) return;
  MutexLock lock(&mu_);
  for (size_t i = 0; i < stats.size() && i < e.totals.size(); ++i) {
    if (stats[i].empty()) continue;
    Cumulative& c = e.totals[i];
    c.sample_count += stats[i].sample_count;
    c.sum += stats[i].sum;
    c.sketch.Merge(stats[i].sketch);
  }
}

void MetricsAggregator::ForEachCumulative(const std::function<void(const SeriesSpec&, const Cumulative&)>& fn) const {
  MutexLock lock(&mu_);
  for (const auto& e : entries_) {
    for (size_t i = 0; i < e->series.size(); ++i) fn(e->series[i], e->totals[i]);
  }
}

size_t MetricsAggregator::series_count() const {
  MutexLock lock(&mu_);
  size_t n = 0;
  for (const auto& e : entries_) n += e->series.size();
  return n;
}

}  // namespace sluice::metrics
