// The on-demand scaler on a ManualClock: a sustained overload leads to more shards within a
// bounded time and the put path's throttling then stops; an idle stream is merged back, never
// below 4 shards; every decision is logged with its reason.
#include "catalog/on_demand_scaler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "base/clock.h"
#include "catalog/catalog.h"
#include "limits/limits_registry.h"
#include "storage/memory_log_store.h"
#include "storage/storage_test_util.h"

namespace sluice::catalog {
namespace {

using model::HashKey;
using ::testing::HasSubstr;

constexpr std::string_view kAccount = "123456789012";
constexpr std::string_view kRegion = "us-east-1";
constexpr int64_t kStepMs = 100;

class OnDemandScalerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_ = std::make_unique<Catalog>(CatalogOptions{}, &clock_, logs_.get(), meta_.get());
    ASSERT_TRUE(catalog_->Recover().ok());
    OnDemandScalerOptions o;
    o.scale_up_after_ms = 10'000;
    o.scale_down_after_ms = 60'000;
    scaler_ = std::make_unique<OnDemandScaler>(o, catalog_.get(), &clock_);
    CreateStreamSpec spec;
    spec.key = Key();
    spec.mode = StreamMode::kOnDemand;
    ASSERT_TRUE(catalog_->CreateStream(spec).ok());
  }
  StreamKey Key() { return {kAccount, kRegion, "od"}; }
  uint32_t OpenShards() {
    uint32_t n = 0;
    EXPECT_TRUE(catalog_
                    ->Read(Key(),
                           [&](const Stream& s) {
                             n = s.OpenShardCount();
                             return Status::Ok();
                           })
                    .ok());
    return n;
  }
  // What the put path does with limits on: route, admit per shard, append the admitted ones.
  // Returns the number throttled.
  size_t Put(const std::vector<HashKey>& keys) {
    std::shared_ptr<const RouteTable> routes;
    uint64_t uid = 0;
    EXPECT_TRUE(catalog_
                    ->Read(Key(),
                           [&](const Stream& s) {
                             routes = s.routes;
                             uid = s.uid;
                             return Status::Ok();
                           })
                    .ok());
    size_t throttled = 0;
    for (HashKey k : keys) {
      const RouteTable::Entry* e = routes->Find(k);
      uint64_t size = 100;
      uint8_t ok = 0;
      limits_.AdmitWrites(uid, e->shard_index, clock_.NowMillis(), {&size, 1}, &ok);
      if (!ok) {
        ++throttled;
        continue;
      }
      storage::RecordBatchBuilder b;
      b.AddRecord("pk", std::string(98, 'x'));
      EXPECT_TRUE(storage::testing::AppendSync(*e->log, b, clock_.NowMillis()).ok());
    }
    return throttled;
  }
  // n records per step, evenly spread over [lo, lo + width).
  static std::vector<HashKey> Spread(uint32_t n, HashKey lo, HashKey width) {
    std::vector<HashKey> keys;
    for (uint32_t i = 0; i < n; ++i) keys.push_back(lo + width / n * i);
    return keys;
  }
  // Runs `seconds` of load (keys every step) with the scaler ticking; returns the throttled
  // count of each second.
  std::vector<size_t> Run(int seconds, const std::vector<HashKey>& keys) {
    std::vector<size_t> per_second;
    for (int s = 0; s < seconds; ++s) {
      size_t throttled = 0;
      for (int i = 0; i < 1000 / kStepMs; ++i) {
        if (!keys.empty()) throttled += Put(keys);
        clock_.Advance(kStepMs);
        scaler_->Tick();
      }
      per_second.push_back(throttled);
    }
    return per_second;
  }

  ManualClock clock_{1'700'000'000'000};
  std::unique_ptr<storage::MemoryLogStore> logs_ = storage::NewMemoryLogStore();
  std::unique_ptr<MetadataStore> meta_ = NewMemoryMetadataStore();
  std::unique_ptr<Catalog> catalog_;
  limits::LimitsRegistry limits_{limits::LimitsConfig{}};
  std::unique_ptr<OnDemandScaler> scaler_;
};

TEST_F(OnDemandScalerTest, SustainedOverloadDoublesAndThrottlingStops) {
  ASSERT_EQ(OpenShards(), 4u);
  // 1.5x every shard's record limit: after doubling each shard runs at 75%, below "hot".
  std::vector<HashKey> keys = Spread(600, 0, model::kMaxHashKey);
  testing::internal::CaptureStderr();
  std::vector<size_t> throttled = Run(40, keys);
  std::string log = testing::internal::GetCapturedStderr();

  EXPECT_GT(throttled[5], 0u) << "the overload is throttled before scaling";
  EXPECT_EQ(OpenShards(), 8u);
  // Hot for scale_up_after_ms (10 s) plus the sampling windows: scaled within 15 s, and from
  // then on nothing is throttled.
  for (size_t s = 15; s < throttled.size(); ++s) EXPECT_EQ(throttled[s], 0u) << "second " << s;
  EXPECT_THAT(log, HasSubstr("on-demand scale up"));
  EXPECT_THAT(log, HasSubstr("doubling"));
  EXPECT_THAT(log, HasSubstr("\"open_shards_after\":\"8\""));
}

TEST_F(OnDemandScalerTest, HotShardIsSplitUntilItsLoadFits) {
  // 2x the record limit, all on shard 0's quarter of the key space.
  std::vector<HashKey> keys = Spread(200, 0, model::kMaxHashKey / 4);
  testing::internal::CaptureStderr();
  std::vector<size_t> throttled = Run(60, keys);
  std::string log = testing::internal::GetCapturedStderr();

  EXPECT_GT(throttled[5], 0u);
  EXPECT_THAT(log, HasSubstr("hot shards"));
  // 2000 rec/s over children at 1000 rec/s each stays hot; a quarter of it (500) does not.
  EXPECT_EQ(OpenShards(), 7u);
  for (size_t s = 45; s < throttled.size(); ++s) EXPECT_EQ(throttled[s], 0u) << "second " << s;
  Stream st;
  ASSERT_TRUE(catalog_
                  ->Read(Key(),
                         [&](const Stream& s) {
                           st = s;
                           return Status::Ok();
                         })
                  .ok());
  EXPECT_FALSE(st.shards[0].is_open());
  EXPECT_TRUE(st.shards[1].is_open()) << "cold shards are left alone";
  EXPECT_EQ(st.shards[4].parent, 0u);
}

TEST_F(OnDemandScalerTest, IdleStreamScalesBackButNotBelowFour) {
  Run(20, Spread(600, 0, model::kMaxHashKey));
  ASSERT_EQ(OpenShards(), 8u);
  testing::internal::CaptureStderr();
  Run(50, {});
  EXPECT_EQ(OpenShards(), 8u) << "idle for less than scale_down_after_ms";
  Run(30, {});
  std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(OpenShards(), 4u);
  EXPECT_THAT(log, HasSubstr("on-demand scale down"));
  EXPECT_THAT(log, HasSubstr("less than 20% of its write capacity"));
  Run(300, {});
  EXPECT_EQ(OpenShards(), 4u);
}

TEST_F(OnDemandScalerTest, ProvisionedStreamsAreLeftAlone) {
  CreateStreamSpec spec;
  spec.key = {kAccount, kRegion, "prov"};
  spec.shard_count = 1;
  ASSERT_TRUE(catalog_->CreateStream(spec).ok());
  std::shared_ptr<const RouteTable> routes;
  ASSERT_TRUE(catalog_
                  ->Read(spec.key,
                         [&](const Stream& s) {
                           routes = s.routes;
                           return Status::Ok();
                         })
                  .ok());
  for (int s = 0; s < 30; ++s) {
    storage::RecordBatchBuilder b;
    for (int i = 0; i < 2000; ++i) b.AddRecord("pk", "x");
    ASSERT_TRUE(storage::testing::AppendSync(*routes->open_shards[0].log, b, clock_.NowMillis()).ok());
    clock_.Advance(1000);
    scaler_->Tick();
  }
  routes.reset();
  ASSERT_TRUE(catalog_
                  ->Read(spec.key,
                         [&](const Stream& s) {
                           EXPECT_EQ(s.OpenShardCount(), 1u);
                           return Status::Ok();
                         })
                  .ok());
}

}  // namespace
}  // namespace sluice::catalog
