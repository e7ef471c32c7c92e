#include "metrics/counter_set.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace sluice::metrics {
namespace {

TEST(CounterSetTest, CollectsAndResets) {
  CounterSet set({false, true});
  {
    auto scope = set.Begin();
    scope.Add(0, 5);
    scope.Add(0, -2);
    scope.Add(1, 100);
    scope.Add(1, 0);
    scope.Add(7, 1);  // out of range: ignored
  }
  std::vector<StatSet> out;
  set.Collect({1.0, 1.0}, &out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].sample_count, 2);
  EXPECT_EQ(out[0].sum, 3);
  EXPECT_EQ(out[0].min, -2);
  EXPECT_EQ(out[0].max, 5);
  EXPECT_TRUE(out[0].sketch.empty());
  EXPECT_EQ(out[1].sample_count, 2);
  EXPECT_EQ(out[1].sketch.total(), 2u);
  set.Collect({1.0, 1.0}, &out);
  EXPECT_TRUE(out[0].empty());
  EXPECT_TRUE(out[1].empty());
}

TEST(CounterSetTest, HistogramConvertsExactlyToTheSketch) {
  CounterSet set({true});
  StatSet expected;
  for (int64_t v : {1LL, 2LL, 3LL, 1000LL, 123456789LL, -7LL, 0LL, 1LL << 62}) {
    set.Begin().Add(0, v);
    expected.AddSample(static_cast<double>(v));
  }
  std::vector<StatSet> out;
  set.Collect({1.0}, &out);
  EXPECT_EQ(out[0].sketch, expected.sketch);
  EXPECT_EQ(out[0].min, -7);
  EXPECT_EQ(out[0].max, static_cast<double>(1LL << 62));
}

TEST(CounterSetTest, ScaleConvertsUnits) {
  CounterSet set({true});
  set.Begin().Add(0, 2000);  // microseconds
  set.Begin().Add(0, 4000);
  std::vector<StatSet> out;
  set.Collect({0.001}, &out);  // milliseconds
  EXPECT_DOUBLE_EQ(out[0].sum, 6);
  EXPECT_DOUBLE_EQ(out[0].min, 2);
  EXPECT_DOUBLE_EQ(out[0].max, 4);
  EXPECT_NEAR(out[0].sketch.Quantile(1), 4, 4 * 0.021);
}

// Writers and a collector race; every sample is collected exactly once, and the two cells of
// one Scope always land in the same collection.
TEST(CounterSetTest, ConcurrentWritersLoseNothingAndScopesAreAtomic) {
  CounterSet set({false, false, true});
  constexpr int kWriters = 3;
  constexpr int kPerWriter = 200'000;
  std::atomic<int> done{0};
  std::vector<std::thread> writers;
  writers.reserve(kWriters);
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kPerWriter; ++i) {
        auto scope = set.Begin();
        scope.Add(0, 1);
        scope.Add(1, w + 1);
        scope.Add(2, i % 1000);
      }
      done.fetch_add(1);
    });
  }
  double count0 = 0, sum1 = 0, count1 = 0, hist = 0;
  bool split = false;
  std::vector<StatSet> out;
  auto collect = [&] {
    set.Collect({1, 1, 1}, &out);
    if (out[0].sample_count != out[1].sample_count || out[0].sample_count != out[2].sample_count) split = true;
    count0 += out[0].sample_count;
    count1 += out[1].sample_count;
    sum1 += out[1].sum;
    hist += static_cast<double>(out[2].sketch.total());
  };
  while (done.load() < kWriters) collect();
  for (auto& t : writers) t.join();
  collect();
  EXPECT_FALSE(split);
  EXPECT_EQ(count0, kWriters * kPerWriter);
  EXPECT_EQ(count1, kWriters * kPerWriter);
  EXPECT_EQ(hist, kWriters * kPerWriter);
  EXPECT_EQ(sum1, static_cast<double>(kPerWriter) * (1 + 2 + 3));
}

TEST(CounterSetTest, MovedScopeUnpinsOnce) {
  CounterSet set({false});
  {
    auto a = set.Begin();
    auto b = std::move(a);
    b.Add(0, 1);
  }
  std::vector<StatSet> out;
  set.Collect({1}, &out);  // would spin forever if the pin leaked
  EXPECT_EQ(out[0].sample_count, 1);
}

}  // namespace
}  // namespace sluice::metrics
