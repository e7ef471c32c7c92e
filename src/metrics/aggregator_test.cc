#include "metrics/aggregator.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

namespace sluice::metrics {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000 / 3'600'000 * 3'600'000;

MetricId Id(std::string name) { return MetricId{"AWS/Kinesis", std::move(name), {{"StreamName", "s"}}}; }

class AggregatorTest : public ::testing::Test {
 protected:
  AggregatorTest() : clock_(kT0), store_(NewMemoryMetricStore(&clock_)), agg_(store_.get(), &clock_) {}

  std::vector<Datapoint> Query(const std::string& name, int64_t period) {
    auto r = store_->Query(Id(name), kT0, kT0 + 3'600'000, period, std::nullopt);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : std::vector<Datapoint>{};
  }

  ManualClock clock_;
  std::unique_ptr<MetricStore> store_;
  MetricsAggregator agg_;
};

TEST_F(AggregatorTest, TickAddsEachSecondAtSecondResolution) {
  auto set =
      agg_.Register({{Id("PutRecord.Success"), Unit::kCount}, {Id("PutRecord.Latency"), Unit::kMilliseconds, 0.001}},
                    {false, true}, /*keep_seconds=*/true);
  EXPECT_EQ(agg_.series_count(), 2u);
  {
    auto s = set->Begin();
    s.Add(0, 1);
    s.Add(1, 5000);  // µs
  }
  clock_.Advance(400);
  agg_.Tick();
  clock_.Advance(1000);
  set->Begin().Add(0, 1);
  agg_.Tick();
  agg_.Tick();  // nothing new: no point

  auto seconds = Query("PutRecord.Success", 1);
  ASSERT_EQ(seconds.size(), 2u);
  EXPECT_EQ(seconds[0].timestamp_ms, kT0);
  EXPECT_EQ(seconds[1].timestamp_ms, kT0 + 1000);
  EXPECT_EQ(seconds[1].stats.sum, 1);
  auto latency = Query("PutRecord.Latency", 60);
  ASSERT_EQ(latency.size(), 1u);
  EXPECT_DOUBLE_EQ(latency[0].stats.sum, 5);
  EXPECT_EQ(latency[0].unit, Unit::kMilliseconds);
  EXPECT_NEAR(*EvaluateStatistic(latency[0].stats, "p99"), 5, 0);  // one sample: exact (clamped)
}

TEST_F(AggregatorTest, MinuteSetsSkipTheSecondTier) {
  auto set = agg_.Register({{Id("IncomingBytes"), Unit::kBytes}}, {false}, /*keep_seconds=*/false);
  set->Begin().Add(0, 100);
  clock_.Advance(30'000);
  agg_.Tick();
  EXPECT_TRUE(Query("IncomingBytes", 1).empty());
  auto m = Query("IncomingBytes", 60);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].timestamp_ms, kT0);
  EXPECT_EQ(m[0].stats.sum, 100);
}

TEST_F(AggregatorTest, CumulativeTotals) {
  auto set = agg_.Register({{Id("A"), Unit::kCount}, {Id("B"), Unit::kMilliseconds}}, {false, true}, true);
  for (int i = 1; i <= 10; ++i) {
    {
      auto s = set->Begin();
      s.Add(0, i);
      s.Add(1, i * 10);
    }
    if (i % 3 == 0) {
      clock_.Advance(1000);
      agg_.Tick();
    }
  }
  agg_.Tick();
  std::map<std::string, Cumulative> totals;
  agg_.ForEachCumulative([&](const SeriesSpec& spec, const Cumulative& c) { totals[spec.id.name] = c; });
  ASSERT_EQ(totals.size(), 2u);
  EXPECT_EQ(totals["A"].sample_count, 10);
  EXPECT_EQ(totals["A"].sum, 55);
  EXPECT_TRUE(totals["A"].sketch.empty());
  EXPECT_EQ(totals["B"].sum, 550);
  EXPECT_EQ(totals["B"].sketch.total(), 10u);
}

TEST_F(AggregatorTest, UnregisterCollectsPendingSamples) {
  auto set = agg_.Register({{Id("A"), Unit::kCount}}, {false}, true);
  set->Begin().Add(0, 7);
  agg_.Unregister(set.get());
  EXPECT_EQ(agg_.series_count(), 0u);
  auto p = Query("A", 1);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].stats.sum, 7);
  // The caller's reference stays usable (writes go nowhere).
  set->Begin().Add(0, 1);
  agg_.Tick();
  EXPECT_EQ(Query("A", 1)[0].stats.sum, 7);
  agg_.Unregister(set.get());  // unknown: no-op
}

}  // namespace
}  // namespace sluice::metrics

namespace sluice::metrics {
namespace {

// Writers record while another thread ticks, flushes and queries: every sample reaches the store
// and the totals exactly once.
TEST(AggregatorConcurrencyTest, RecordingWhileTickingLosesNothing) {
  ManualClock clock(kT0);
  auto store = NewMemoryMetricStore(&clock);
  MetricsAggregator agg(store.get(), &clock);
  auto set = agg.Register({{Id("A"), Unit::kCount}, {Id("B"), Unit::kMilliseconds}}, {false, true}, true);
  constexpr int kWriters = 2, kPerWriter = 50'000;
  std::atomic<int> done{0};
  std::vector<std::thread> writers;
  writers.reserve(kWriters);
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&] {
      for (int i = 0; i < kPerWriter; ++i) {
        auto s = set->Begin();
        s.Add(0, 1);
        s.Add(1, i % 100);
      }
      done.fetch_add(1);
    });
  }
  while (done.load() < kWriters) {
    clock.Advance(1000);
    agg.Tick();
    ASSERT_TRUE(store->Flush().ok());
    ASSERT_TRUE(store->Query(Id("A"), kT0, kT0 + 3'600'000, 60, std::nullopt).ok());
  }
  for (auto& t : writers) t.join();
  agg.Tick();
  double total = 0;
  agg.ForEachCumulative([&](const SeriesSpec& spec, const Cumulative& c) {
    if (spec.id.name == "A") total = c.sum;
  });
  EXPECT_EQ(total, kWriters * kPerWriter);
  auto points = store->Query(Id("A"), kT0, kT0 + 86'400'000, 3600, std::nullopt);
  ASSERT_TRUE(points.ok());
  double stored = 0;
  for (const Datapoint& d : *points) stored += d.stats.sum;
  EXPECT_EQ(stored, kWriters * kPerWriter);
}

}  // namespace
}  // namespace sluice::metrics
