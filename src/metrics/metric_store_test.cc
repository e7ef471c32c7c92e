#include "metrics/metric_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <set>
#include <thread>

#include "metrics/chunk_codec.h"

namespace sluice::metrics {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000 / 3'600'000 * 3'600'000;  // an hour boundary

MetricId Id(std::string name, std::vector<Dimension> dims = {{"StreamName", "s1"}}) {
  MetricId id{"AWS/Kinesis", std::move(name), std::move(dims)};
  id.Normalize();
  return id;
}

StatSet Sample(double v, double n = 1) {
  StatSet s;
  s.AddSample(v, n);
  return s;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "metrics_store_test_XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const char* name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Runs every test against the memory store and the disk store.
class MetricStoreTest : public ::testing::TestWithParam<bool> {
 protected:
  MetricStoreTest() : clock_(kT0) { Reopen(); }

  void Reopen() {
    store_.reset();
    if (GetParam()) {
      auto r = OpenDiskMetricStore(dir_.file("metrics.db"), &clock_);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      store_ = std::move(r).value();
    } else {
      store_ = NewMemoryMetricStore(&clock_);
    }
  }

  std::vector<Datapoint> Query(const MetricId& id, int64_t start, int64_t end, int64_t period,
                               std::optional<Unit> unit = std::nullopt) {
    auto r = store_->Query(id, start, end, period, unit);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<Datapoint>{};
  }

  TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<MetricStore> store_;
};

TEST_P(MetricStoreTest, UnflushedPointsAreVisible) {
  ASSERT_TRUE(store_->Add(Id("IncomingBytes"), Unit::kBytes, kT0 + 5'000, Sample(100), 1).ok());
  ASSERT_TRUE(store_->Add(Id("IncomingBytes"), Unit::kBytes, kT0 + 5'400, Sample(50), 1).ok());
  auto points = Query(Id("IncomingBytes"), kT0, kT0 + 60'000, 1);
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].timestamp_ms, kT0 + 5'000);
  EXPECT_EQ(points[0].stats.sum, 150);
  EXPECT_EQ(points[0].stats.sample_count, 2);
  EXPECT_EQ(points[0].unit, Unit::kBytes);
}

TEST_P(MetricStoreTest, PeriodsAggregateAndStartAtStart) {
  for (int s = 0; s < 120; ++s) { ASSERT_TRUE(store_->Add(Id("M"), Unit::kCount, kT0 + s * 1000, Sample(s), 1).ok()); }
  // Period 60 on 1-second data (read from the minute tier).
  auto minutes = Query(Id("M"), kT0, kT0 + 120'000, 60);
  ASSERT_EQ(minutes.size(), 2u);
  EXPECT_EQ(minutes[0].stats.sample_count, 60);
  EXPECT_EQ(minutes[0].stats.sum, 59 * 60 / 2);
  EXPECT_EQ(minutes[1].stats.min, 60);
  EXPECT_EQ(minutes[1].stats.max, 119);
  // Period 10 (1-second tier), starting off a minute boundary.
  auto tens = Query(Id("M"), kT0 + 5'000, kT0 + 35'000, 10);
  ASSERT_EQ(tens.size(), 3u);
  EXPECT_EQ(tens[0].timestamp_ms, kT0 + 5'000);
  EXPECT_EQ(tens[0].stats.sum, 5 + 6 + 7 + 8 + 9 + 10 + 11 + 12 + 13 + 14);
  // Period 300 and 3600 read the coarse tiers and see everything.
  auto five = Query(Id("M"), kT0, kT0 + 3'600'000, 300);
  ASSERT_EQ(five.size(), 1u);
  EXPECT_EQ(five[0].stats.sample_count, 120);
  auto hour = Query(Id("M"), kT0, kT0 + 3'600'000, 3600);
  ASSERT_EQ(hour.size(), 1u);
  EXPECT_EQ(hour[0].stats.sum, 119 * 120 / 2);
}

TEST_P(MetricStoreTest, MinuteResolutionPointsAreNotInTheSecondTier) {
  ASSERT_TRUE(store_->Add(Id("M"), Unit::kCount, kT0 + 30'000, Sample(1), 60).ok());
  EXPECT_TRUE(Query(Id("M"), kT0, kT0 + 60'000, 1).empty());
  auto m = Query(Id("M"), kT0, kT0 + 60'000, 60);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].timestamp_ms, kT0);  // rounded down to the minute
  EXPECT_FALSE(store_->Add(Id("M"), Unit::kCount, kT0, Sample(1), 5).ok());
}

TEST_P(MetricStoreTest, ExactDimensionMatchAndUnitFilter) {
  const MetricId shard = Id("IncomingBytes", {{"StreamName", "s1"}, {"ShardId", "shardId-000000000000"}});
  ASSERT_TRUE(store_->Add(shard, Unit::kBytes, kT0, Sample(10), 60).ok());
  ASSERT_TRUE(store_->Add(Id("IncomingBytes"), Unit::kBytes, kT0, Sample(99), 60).ok());
  auto stream = Query(Id("IncomingBytes"), kT0, kT0 + 60'000, 60);
  ASSERT_EQ(stream.size(), 1u);
  EXPECT_EQ(stream[0].stats.sum, 99);
  EXPECT_EQ(Query(shard, kT0, kT0 + 60'000, 60)[0].stats.sum, 10);
  EXPECT_TRUE(Query(Id("IncomingBytes", {}), kT0, kT0 + 60'000, 60).empty());
  EXPECT_TRUE(Query(shard, kT0, kT0 + 60'000, 60, Unit::kCount).empty());
  // Dimension order as given does not matter.
  MetricId reversed{"AWS/Kinesis", "IncomingBytes", {{"StreamName", "s1"}, {"ShardId", "shardId-000000000000"}}};
  EXPECT_EQ(Query(reversed, kT0, kT0 + 60'000, 60)[0].stats.sum, 10);
  ASSERT_TRUE(store_->Add(reversed, Unit::kBytes, kT0, Sample(1), 60).ok());
  EXPECT_EQ(Query(shard, kT0, kT0 + 60'000, 60)[0].stats.sum, 11);
  EXPECT_EQ(Query(shard, kT0, kT0 + 60'000, 60, Unit::kBytes).size(), 1u);
}

TEST_P(MetricStoreTest, FlushedAndPendingMerge) {
  ASSERT_TRUE(store_->Add(Id("M"), Unit::kCount, kT0 + 1'000, Sample(1), 1).ok());
  ASSERT_TRUE(store_->Flush().ok());
  ASSERT_TRUE(store_->Add(Id("M"), Unit::kCount, kT0 + 1'000, Sample(2), 1).ok());  // same second, after flush
  ASSERT_TRUE(store_->Add(Id("M"), Unit::kCount, kT0 + 2'000, Sample(4), 1).ok());
  for (int64_t period : {1, 60, 300, 3600}) {
    auto p = Query(Id("M"), kT0, kT0 + 3'600'000, period);
    double sum = 0;
    for (auto& d : p) sum += d.stats.sum;
    EXPECT_EQ(sum, 7) << period;
  }
  ASSERT_TRUE(store_->Flush().ok());
  auto p = Query(Id("M"), kT0, kT0 + 3'000, 1);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].stats.sum, 3);
  EXPECT_EQ(p[0].stats.sample_count, 2);
  EXPECT_EQ(p[0].stats.sketch.total(), 2u);
}

TEST_P(MetricStoreTest, QueryBasicLeavesSketchesOut) {
  ASSERT_TRUE(store_->Add(Id("L"), Unit::kMilliseconds, kT0, Sample(5), 1).ok());
  ASSERT_TRUE(store_->Flush().ok());
  ASSERT_TRUE(store_->Add(Id("L"), Unit::kMilliseconds, kT0, Sample(7), 1).ok());  // pending
  for (int64_t period : {1, 60}) {
    auto basic = store_->QueryBasic(Id("L"), kT0, kT0 + 60'000, period, std::nullopt);
    ASSERT_TRUE(basic.ok());
    ASSERT_EQ(basic->size(), 1u);
    EXPECT_EQ((*basic)[0].stats.sample_count, 2);
    EXPECT_EQ((*basic)[0].stats.sum, 12);
    EXPECT_EQ((*basic)[0].stats.max, 7);
    EXPECT_TRUE((*basic)[0].stats.sketch.empty());
    EXPECT_EQ(Query(Id("L"), kT0, kT0 + 60'000, period)[0].stats.sketch.total(), 2u);
  }
}

TEST_P(MetricStoreTest, RestartKeepsData) {
  if (!GetParam()) GTEST_SKIP() << "memory store";
  StatSet s = Sample(3.5);
  s.AddSample(-1.25, 3);
  ASSERT_TRUE(store_->Add(Id("M", {{"A", "x"}, {"B", "y"}}), Unit::kMilliseconds, kT0 + 61'000, s, 1).ok());
  ASSERT_TRUE(store_->Flush().ok());
  clock_.Advance(120'000);
  Reopen();
  for (int64_t period : {1, 60, 300, 3600}) {
    auto p = Query(Id("M", {{"B", "y"}, {"A", "x"}}), kT0, kT0 + 3'600'000, period);
    ASSERT_EQ(p.size(), 1u) << period;
    EXPECT_EQ(p[0].stats.sample_count, 4);
    EXPECT_EQ(p[0].stats.sum, 3.5 - 3.75);
    EXPECT_EQ(p[0].stats.min, -1.25);
    EXPECT_EQ(p[0].stats.max, 3.5);
    EXPECT_EQ(p[0].stats.sketch, s.sketch);
    EXPECT_EQ(p[0].unit, Unit::kMilliseconds);
  }
  auto page = store_->List({});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->metrics.size(), 1u);
  EXPECT_EQ(page->metrics[0], Id("M", {{"A", "x"}, {"B", "y"}}));
  // New points after the restart extend the same series.
  ASSERT_TRUE(store_->Add(Id("M", {{"A", "x"}, {"B", "y"}}), Unit::kMilliseconds, kT0 + 62'000, Sample(1), 1).ok());
  EXPECT_EQ(Query(Id("M", {{"A", "x"}, {"B", "y"}}), kT0, kT0 + 3'600'000, 3600)[0].stats.sample_count, 5);
}

TEST_P(MetricStoreTest, OpenCoarsePointsSurviveAPeriodicFlushAndAreWrittenLater) {
  ASSERT_TRUE(store_->Add(Id("M"), Unit::kCount, kT0 + 10'000, Sample(1), 60).ok());
  ASSERT_TRUE(store_->Flush().ok());
  EXPECT_GT(store_->Stats().pending_points, 0u);  // the open 5-minute and hour points
  ASSERT_TRUE(store_->Add(Id("M"), Unit::kCount, kT0 + 70'000, Sample(2), 60).ok());
  clock_.Advance(3'600'000);
  ASSERT_TRUE(store_->Flush().ok());  // now closed
  EXPECT_EQ(store_->Stats().pending_points, 0u);
  EXPECT_EQ(Query(Id("M"), kT0, kT0 + 3'600'000, 3600)[0].stats.sum, 3);
  EXPECT_EQ(Query(Id("M"), kT0, kT0 + 3'600'000, 300)[0].stats.sum, 3);
}

TEST_P(MetricStoreTest, RetentionPerTier) {
  for (int s = 0; s < 10; ++s) ASSERT_TRUE(store_->Add(Id("M"), Unit::kCount, kT0 + s * 1000, Sample(1), 1).ok());
  ASSERT_TRUE(store_->Flush().ok());
  clock_.Advance(4 * 3'600'000LL);  // past the 3-hour 1-second retention
  ASSERT_TRUE(store_->EnforceRetention().ok());
  EXPECT_TRUE(Query(Id("M"), kT0, kT0 + 60'000, 1).empty());
  EXPECT_EQ(Query(Id("M"), kT0, kT0 + 60'000, 60)[0].stats.sample_count, 10);
  clock_.Advance(16 * 86'400'000LL);  // past the minute tier
  ASSERT_TRUE(store_->EnforceRetention().ok());
  EXPECT_TRUE(Query(Id("M"), kT0, kT0 + 60'000, 60).empty());
  EXPECT_EQ(Query(Id("M"), kT0, kT0 + 300'000, 300)[0].stats.sample_count, 10);
  // ListMetrics forgets it after two weeks without data; the hour tier still answers.
  EXPECT_TRUE(store_->List({})->metrics.empty());
  clock_.Advance(450 * 86'400'000LL);
  ASSERT_TRUE(store_->EnforceRetention().ok());
  EXPECT_TRUE(Query(Id("M"), kT0, kT0 + 3'600'000, 3600).empty());
  EXPECT_EQ(store_->Stats().series, 0u);
  if (GetParam()) {
    Reopen();  // gone from disk too
    EXPECT_EQ(store_->Stats().series, 0u);
  }
}

TEST_P(MetricStoreTest, RetentionKeepsRecentChunks) {
  ASSERT_TRUE(store_->Add(Id("Old"), Unit::kCount, kT0, Sample(1), 1).ok());
  clock_.Advance(2 * 3'600'000LL);
  ASSERT_TRUE(store_->Add(Id("Old"), Unit::kCount, clock_.NowMillis(), Sample(2), 1).ok());
  ASSERT_TRUE(store_->FlushAll().ok());
  clock_.Advance(2 * 3'600'000LL);  // the first point is 4 h old, the second 2 h
  ASSERT_TRUE(store_->EnforceRetention().ok());
  if (GetParam()) Reopen();
  auto p = Query(Id("Old"), kT0, clock_.NowMillis(), 1);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].stats.sum, 2);
  EXPECT_EQ(Query(Id("Old"), kT0, clock_.NowMillis(), 3600).size(), 2u);  // hours 0 and 2
}

TEST_P(MetricStoreTest, ListFiltersAndPages) {
  for (int i = 0; i < 1200; ++i) {
    MetricId id = Id(i % 2 ? "IncomingBytes" : "IncomingRecords", {{"StreamName", "s" + std::to_string(i / 2)}});
    ASSERT_TRUE(store_->Add(id, Unit::kCount, kT0, Sample(1), 60).ok());
  }
  ASSERT_TRUE(store_
                  ->Add(Id("Other", {{"StreamName", "s1"}, {"ShardId", "x"}}), Unit::kCount, kT0 - 4 * 3'600'000LL,
                        Sample(1), 60)
                  .ok());
  ListMetricsQuery q;
  std::set<std::string> seen;
  int pages = 0;
  do {
    auto page = store_->List(q);
    ASSERT_TRUE(page.ok());
    EXPECT_LE(page->metrics.size(), 500u);
    for (auto& m : page->metrics) EXPECT_TRUE(seen.insert(m.Key()).second);
    q.next_token = page->next_token;
    ++pages;
  } while (!q.next_token.empty());
  EXPECT_EQ(seen.size(), 1201u);
  EXPECT_EQ(pages, 3);

  ListMetricsQuery by_name;
  by_name.name = "IncomingBytes";
  EXPECT_EQ(store_->List(by_name)->metrics.size(), 500u);
  ListMetricsQuery by_dim;
  by_dim.dims.push_back({"StreamName", std::string("s1")});
  EXPECT_EQ(store_->List(by_dim)->metrics.size(), 3u);
  by_dim.dims.push_back({"ShardId", std::nullopt});
  EXPECT_EQ(store_->List(by_dim)->metrics.size(), 1u);
  by_dim.recently_active = true;  // its data is 4 hours old
  EXPECT_EQ(store_->List(by_dim)->metrics.size(), 0u);
  ListMetricsQuery by_ns;
  by_ns.ns = "Custom";
  EXPECT_TRUE(store_->List(by_ns)->metrics.empty());
  ListMetricsQuery bad;
  bad.next_token = "!!!";
  EXPECT_FALSE(store_->List(bad).ok());
}

INSTANTIATE_TEST_SUITE_P(Stores, MetricStoreTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Disk" : "Memory"; });

TEST(ChunkCodecTest, RoundTripsAndIsCompact) {
  std::vector<ChunkPoint> points;
  for (int i = 0; i < 60; ++i) {
    ChunkPoint p;
    p.timestamp_ms = kT0 + i * 60'000;
    p.unit = Unit::kBytes;
    p.stats.sample_count = 60;
    p.stats.sum = 1'000'000 + i;
    p.stats.min = 10;
    p.stats.max = 50'000;
    points.push_back(p);
  }
  points[3].stats.sum = 0.25;
  points[4].stats.AddSample(7);
  std::string buf;
  EncodeChunk(points, kT0, 60'000, &buf);
  EXPECT_LT(buf.size(), 60u * 14);
  std::vector<ChunkPoint> back;
  ASSERT_TRUE(DecodeChunk(buf, kT0, 60'000, &back));
  ASSERT_EQ(back.size(), points.size());
  for (size_t i = 0; i < back.size(); ++i) {
    EXPECT_EQ(back[i].timestamp_ms, points[i].timestamp_ms);
    EXPECT_EQ(back[i].stats.sum, points[i].stats.sum);
    EXPECT_EQ(back[i].stats.min, points[i].stats.min);
    EXPECT_EQ(back[i].stats.max, points[i].stats.max);
    EXPECT_EQ(back[i].stats.sketch, points[i].stats.sketch);
  }
  EXPECT_FALSE(DecodeChunk(std::string_view(buf).substr(0, buf.size() - 1), kT0, 60'000, &back));
  EXPECT_FALSE(DecodeChunk("", kT0, 60'000, &back));
}

}  // namespace
}  // namespace sluice::metrics

namespace sluice::metrics {
namespace {

TEST(MetricStoreConcurrencyTest, AddQueryFlushFromSeveralThreads) {
  TempDir dir;
  ManualClock clock(kT0);
  auto r = OpenDiskMetricStore(dir.file("metrics.db"), &clock);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<MetricStore> store = std::move(r).value();
  constexpr int kThreads = 2, kAdds = 2000;
  std::vector<std::thread> threads;
  threads.reserve(kThreads + 1);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kAdds; ++i) {
        ASSERT_TRUE(store->Add(Id("M" + std::to_string(t)), Unit::kCount, kT0 + i * 1000, Sample(1), 1).ok());
        if (i % 100 == 0) { ASSERT_TRUE(store->Query(Id("M0"), kT0, kT0 + 3'600'000, 60, std::nullopt).ok()); }
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(store->Flush().ok());
      ASSERT_TRUE(store->List({}).ok());
    }
  });
  for (auto& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) {
    auto p = store->Query(Id("M" + std::to_string(t)), kT0, kT0 + 3'600'000, 3600, std::nullopt);
    ASSERT_TRUE(p.ok());
    ASSERT_EQ(p->size(), 1u);
    EXPECT_EQ((*p)[0].stats.sample_count, kAdds);
  }
}

TEST(MetricStoreTierTest, UnalignedStartReadsTheMinuteTier) {
  ManualClock clock(kT0 + 86'400'000);
  auto store = NewMemoryMetricStore(&clock);
  for (int m = 0; m < 30; ++m) ASSERT_TRUE(store->Add(Id("M"), Unit::kCount, kT0 + m * 60'000, Sample(m), 60).ok());
  // Start 2 minutes past a 5-minute boundary: the 5-minute tier cannot split its points, so the
  // minute tier answers and each period gets exactly its minutes.
  auto p = store->Query(Id("M"), kT0 + 120'000, kT0 + 1'620'000, 300, std::nullopt);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->size(), 5u);
  EXPECT_EQ((*p)[0].timestamp_ms, kT0 + 120'000);
  EXPECT_EQ((*p)[0].stats.sum, 2 + 3 + 4 + 5 + 6);
  EXPECT_EQ((*p)[0].stats.sample_count, 5);
}

}  // namespace
}  // namespace sluice::metrics
