// The metrics module's costs: the hot-path recording every Kinesis call pays (a CounterSet
// Scope with five Adds), the GetMetricData-like read load on a store holding 15 days of minute
// data for 100 series, and the memory the in-memory heads take for a large deployment.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "metrics/aggregator.h"
#include "metrics/counter_set.h"
#include "metrics/metric_store.h"

namespace {

using namespace sluice::metrics;

constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kT0 = 1'700'000'000'000 / kHourMs * kHourMs;

// One API call's recording: Begin, five Adds (one into a latency histogram), end of scope.
void BM_CounterSetScope(benchmark::State& state) {
  static CounterSet* set = nullptr;
  if (state.thread_index() == 0) set = new CounterSet({false, false, false, false, state.range(0) != 0});
  int64_t i = state.thread_index();
  for (auto _ : state) {
    auto scope = set->Begin();
    scope.Add(0, 1);
    scope.Add(1, 1);
    scope.Add(2, 1024 + (i & 255));
    scope.Add(3, 3);
    scope.Add(4, 800 + (i & 1023));  // latency µs
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    delete set;
    set = nullptr;
  }
}
BENCHMARK(BM_CounterSetScope)->Arg(0)->Arg(1)->Threads(1);
BENCHMARK(BM_CounterSetScope)->Arg(0)->Arg(1)->Threads(2)->UseRealTime();

// 100 series with 15 days of minute data, flushed to a disk store (built once, ~20 s).
template <bool kSketches>
struct FilledStore {
  static constexpr int kSeries = kSketches ? 10 : 100;
  static constexpr int64_t kDays = 15;
  sluice::ManualClock clock{kT0};
  std::string dir;
  std::unique_ptr<MetricStore> store;
  std::vector<MetricId> ids;
  int64_t end_ms = 0;

  FilledStore() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "metrics_bench_XXXXXX").string();
    dir = ::mkdtemp(tmpl.data());
    auto r = OpenDiskMetricStore(dir + "/metrics.db", &clock);
    if (!r.ok()) std::abort();
    store = std::move(r).value();
    for (int s = 0; s < kSeries; ++s) {
      MetricId id{"AWS/Kinesis", "IncomingBytes", {{"StreamName", "stream-" + std::to_string(s)}}};
      id.Normalize();
      ids.push_back(id);
    }
    const int64_t minutes = kDays * 1440;
    for (int64_t m = 0; m < minutes; ++m) {
      const int64_t ts = kT0 + m * 60'000;
      for (int s = 0; s < kSeries; ++s) {
        StatSet st;
        st.sample_count = 60;
        st.sum = 1'000'000 + static_cast<double>((m * 7 + s) % 1000);
        st.min = 100;
        st.max = 60'000;
        if (kSketches) {
          // A latency distribution: 60 samples over 1–3 ms in µs, ~55 buckets.
          for (int k = 0; k < 60; ++k) st.sketch.Add(1000 + ((m + k * 37 + s) % 2000));
        }
        if (!store->Add(ids[s], Unit::kBytes, ts, st, 60).ok()) std::abort();
      }
      if (m % 60 == 59) {
        clock.Set(ts + 60'000);
        if (!store->Flush().ok()) std::abort();
      }
    }
    end_ms = kT0 + minutes * 60'000;
    clock.Set(end_ms);
    if (!store->FlushAll().ok()) std::abort();
  }
  ~FilledStore() {
    store.reset();
    std::filesystem::remove_all(dir);
  }
  static FilledStore& Get() {
    static FilledStore f;
    return f;
  }
};

// Queries every series with one period over at most 1008 periods (GetMetricData's 100,800
// datapoints over 100 series), ending now. One iteration = all 100 series.
template <bool kSketches>
void BM_QuerySeries(benchmark::State& state) {
  auto& f = FilledStore<kSketches>::Get();
  const int64_t period_s = state.range(0);
  const int64_t span = std::min<int64_t>(1008 * period_s * 1000, f.end_ms - kT0);
  const int64_t start = (f.end_ms - span) / (period_s * 1000) * (period_s * 1000);
  size_t points = 0;
  for (auto _ : state) {
    points = 0;
    for (const MetricId& id : f.ids) {
      auto r = state.range(1) ? f.store->QueryBasic(id, start, f.end_ms, period_s, std::nullopt)
                              : f.store->Query(id, start, f.end_ms, period_s, std::nullopt);
      if (!r.ok()) std::abort();
      points += r->size();
    }
  }
  state.counters["datapoints"] = static_cast<double>(points);
  std::error_code ec;
  state.counters["db_MB"] = static_cast<double>(std::filesystem::file_size(f.dir + "/metrics.db", ec)) / 1e6;
  state.counters["wal_MB"] = static_cast<double>(std::filesystem::file_size(f.dir + "/metrics.db-wal", ec)) / 1e6;
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(points));
}
void BM_QueryHundredSeries(benchmark::State& state) { BM_QuerySeries<false>(state); }
BENCHMARK(BM_QueryHundredSeries)->Args({3600, 0})->Args({300, 0})->Args({60, 0})->Unit(benchmark::kMillisecond);
// The same with a latency sketch in every point, over 10 series (×10 for GetMetricData's 100).
void BM_QueryTenSeriesWithSketches(benchmark::State& state) { BM_QuerySeries<true>(state); }
// Second argument 1: QueryBasic (no sketches decoded or returned).
BENCHMARK(BM_QueryTenSeriesWithSketches)
    ->Args({3600, 0})
    ->Args({300, 0})
    ->Args({60, 0})
    ->Args({300, 1})
    ->Unit(benchmark::kMillisecond);

size_t HeapInUse() { return mallinfo2().uordblks; }

// The in-memory footprint of a large deployment: 1,000 shards × 7 shard-level metrics (minute
// resolution) and 10 streams × 25 stream-level metrics (seconds kept, 5 with latency
// histograms), recorded into every second for two minutes, flushed every 10 s as the server does.
void BM_MemoryLargeDeployment(benchmark::State& state) {
  for (auto _ : state) {
    const size_t before = HeapInUse();
    sluice::ManualClock clock(kT0);
    auto store = NewMemoryMetricStore(&clock);
    auto agg = std::make_unique<MetricsAggregator>(store.get(), &clock);
    std::vector<std::shared_ptr<CounterSet>> shard_sets, stream_sets;
    for (int stream = 0; stream < 10; ++stream) {
      const std::string name = "stream-" + std::to_string(stream);
      std::vector<SeriesSpec> specs;
      std::vector<bool> hist;
      specs.reserve(25);
      for (int m = 0; m < 25; ++m) {
        specs.push_back(
            {MetricId{"AWS/Kinesis", "StreamMetric" + std::to_string(m), {{"StreamName", name}}}, Unit::kCount, 1.0});
        hist.push_back(m < 5);
      }
      stream_sets.push_back(agg->Register(specs, hist, true));
      for (int shard = 0; shard < 100; ++shard) {
        std::vector<SeriesSpec> shard_specs;
        shard_specs.reserve(7);
        for (int m = 0; m < 7; ++m) {
          shard_specs.push_back({MetricId{"AWS/Kinesis",
                                          "ShardMetric" + std::to_string(m),
                                          {{"StreamName", name}, {"ShardId", "shardId-" + std::to_string(shard)}}},
                                 Unit::kBytes, 1.0});
        }
        shard_sets.push_back(agg->Register(shard_specs, std::vector<bool>(7, false), false));
      }
    }
    const size_t registered = HeapInUse();
    for (int sec = 0; sec < 120; ++sec) {
      for (auto& set : stream_sets) {
        auto scope = set->Begin();
        for (size_t c = 0; c < 25; ++c) scope.Add(c, 700 + sec * 13 + static_cast<int64_t>(c));
      }
      for (auto& set : shard_sets) {
        auto scope = set->Begin();
        for (size_t c = 0; c < 7; ++c) scope.Add(c, 1000 + sec);
      }
      clock.Advance(1000);
      agg->Tick();
      if (sec % 10 == 9 && !store->Flush().ok()) std::abort();
    }
    const size_t after = HeapInUse();
    state.counters["series"] = static_cast<double>(store->Stats().series);
    state.counters["pending_points"] = static_cast<double>(store->Stats().pending_points);
    state.counters["heap_MB_total"] = static_cast<double>(after - before) / 1e6;
    state.counters["heap_MB_countersets"] = static_cast<double>(registered - before) / 1e6;
    state.counters["heap_B_per_series"] = static_cast<double>(after - before) / 7250.0;
    benchmark::DoNotOptimize(agg);
  }
}
BENCHMARK(BM_MemoryLargeDeployment)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

namespace {

// The periodic flush of a disk store with 7,250 active minute-resolution series (the deployment
// above): each iteration is 10 s of adds (one per series) and one Flush.
void BM_FlushLargeDeployment(benchmark::State& state) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "metrics_flush_bench_XXXXXX").string();
  const std::string dir = ::mkdtemp(tmpl.data());
  sluice::ManualClock clock(kT0);
  {
    auto r = OpenDiskMetricStore(dir + "/metrics.db", &clock);
    if (!r.ok()) std::abort();
    std::unique_ptr<MetricStore> store = std::move(r).value();
    std::vector<MetricId> ids;
    ids.reserve(7250);
    for (int i = 0; i < 7250; ++i) {
      ids.push_back(MetricId{"AWS/Kinesis", "M" + std::to_string(i % 7), {{"ShardId", std::to_string(i)}}});
    }
    StatSet st;
    st.sample_count = 10;
    st.sum = 12345;
    st.min = 10;
    st.max = 5000;
    for (auto _ : state) {
      state.PauseTiming();
      clock.Advance(10'000);
      for (const MetricId& id : ids) {
        if (!store->Add(id, Unit::kBytes, clock.NowMillis(), st, 60).ok()) std::abort();
      }
      state.ResumeTiming();
      if (!store->Flush().ok()) std::abort();
    }
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_FlushLargeDeployment)->Iterations(30)->Unit(benchmark::kMillisecond);

}  // namespace
