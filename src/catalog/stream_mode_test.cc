// UpdateStreamMode in the catalog: state checks, account quotas, the per-day switch limit,
// UPDATING and persistence.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "catalog/catalog_test_fixture.h"

namespace sluice::catalog {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kDayMs = 24 * 3600 * 1000;

class StreamModeTest : public testing::CatalogFixture {};

TEST_F(StreamModeTest, SwitchesBothWaysKeepingShardsAndGoesUpdating) {
  CatalogOptions o;
  o.update_stream_delay_ms = 500;
  Make(o);
  ASSERT_TRUE(Create("s", 2).ok());
  ASSERT_TRUE(catalog_->UpdateStreamMode(Key("s"), StreamMode::kOnDemand).ok());
  Stream s = Get("s");
  EXPECT_EQ(s.mode, StreamMode::kOnDemand);
  EXPECT_EQ(s.OpenShardCount(), 2u) << "the shards are kept at the switch";
  EXPECT_EQ(s.StatusAt(clock_.NowMillis()), StreamStatus::kUpdating);
  Status busy = catalog_->UpdateStreamMode(Key("s"), StreamMode::kProvisioned);
  EXPECT_EQ(busy.code(), Errc::kInUse);
  EXPECT_THAT(busy.message(), HasSubstr("not ACTIVE, instead in state UPDATING"));
  // The public resharding operations refuse on-demand streams.
  clock_.Advance(500);
  EXPECT_EQ(catalog_->UpdateShardCount(Key("s"), 4).status().code(), Errc::kValidation);

  EXPECT_TRUE(catalog_->UpdateStreamMode(Key("s"), StreamMode::kOnDemand).ok()) << "same mode: no-op";
  EXPECT_EQ(Get("s").StatusAt(clock_.NowMillis()), StreamStatus::kActive);
  ASSERT_TRUE(catalog_->UpdateStreamMode(Key("s"), StreamMode::kProvisioned).ok());
  EXPECT_EQ(Get("s").mode, StreamMode::kProvisioned);
}

TEST_F(StreamModeTest, TwoSwitchesPerRollingDay) {
  Make();
  ASSERT_TRUE(Create("s", 1).ok());
  ASSERT_TRUE(catalog_->UpdateStreamMode(Key("s"), StreamMode::kOnDemand).ok());
  clock_.Advance(1000);
  ASSERT_TRUE(catalog_->UpdateStreamMode(Key("s"), StreamMode::kProvisioned).ok());
  Status third = catalog_->UpdateStreamMode(Key("s"), StreamMode::kOnDemand);
  EXPECT_EQ(third.code(), Errc::kLimitExceeded);
  EXPECT_THAT(third.message(), HasSubstr("UpdateStreamMode operations per rolling 24 hour period"));
  clock_.Advance(kDayMs - 1000);
  EXPECT_TRUE(catalog_->UpdateStreamMode(Key("s"), StreamMode::kOnDemand).ok());
}

TEST_F(StreamModeTest, AccountQuotas) {
  CatalogOptions o;
  o.on_demand_stream_limit = 1;
  o.shard_limit = 5;
  Make(o);
  ASSERT_TRUE(Create("od", 0, StreamMode::kOnDemand).ok());
  ASSERT_TRUE(Create("p", 3).ok());
  Status to_od = catalog_->UpdateStreamMode(Key("p"), StreamMode::kOnDemand);
  EXPECT_EQ(to_od.code(), Errc::kLimitExceeded);
  EXPECT_THAT(to_od.message(), HasSubstr("on-demand stream count limit"));
  // 3 provisioned shards + the on-demand stream's 4 would exceed the 5-shard limit.
  Status to_p = catalog_->UpdateStreamMode(Key("od"), StreamMode::kProvisioned);
  EXPECT_EQ(to_p.code(), Errc::kLimitExceeded);
  EXPECT_THAT(to_p.message(), HasSubstr("shard limit"));
  EXPECT_EQ(catalog_->UpdateStreamMode(Key("nope"), StreamMode::kOnDemand).code(), Errc::kNotFound);
}

TEST_F(StreamModeTest, SurvivesRestart) {
  Make();
  ASSERT_TRUE(Create("s", 3).ok());
  ASSERT_TRUE(catalog_->UpdateStreamMode(Key("s"), StreamMode::kOnDemand).ok());
  catalog_.reset();
  Make();
  Stream s = Get("s");
  EXPECT_EQ(s.mode, StreamMode::kOnDemand);
  EXPECT_EQ(s.mode_switches_ms.size(), 1u);
  EXPECT_EQ(s.OpenShardCount(), 3u);
}

}  // namespace
}  // namespace sluice::catalog
