#include "catalog/catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "base/clock.h"
#include "model/hash_key.h"
#include "storage/memory_log_store.h"

namespace sluice::catalog {
namespace {

using model::HashKey;
using model::kMaxHashKey;
using ::testing::HasSubstr;

constexpr std::string_view kAccount = "123456789012";
constexpr std::string_view kRegion = "us-east-1";

// Forwards to the in-memory store and records which streams were dropped.
// "prefix" + number without operator+(const char*, std::string&&), which trips GCC 12's
// -Wrestrict false positive (PR105329).
std::string Num(std::string_view prefix, long long n) {
  std::string s(prefix);
  s.append(std::to_string(n));
  return s;
}

class SpyLogStore final : public storage::LogStore {
 public:
  Result<std::shared_ptr<storage::ShardLog>> OpenShard(const storage::ShardKey& key) override {
    std::lock_guard lock(mu_);
    opened_.push_back({key.stream_uid, key.shard_index});
    return inner_->OpenShard(key);
  }
  Status DropStream(uint64_t uid) override {
    {
      std::lock_guard lock(mu_);
      dropped_.push_back(uid);
    }
    return inner_->DropStream(uid);
  }
  Result<std::vector<uint64_t>> ListStreams() override { return inner_->ListStreams(); }
  std::vector<uint64_t> dropped() const {
    std::lock_guard lock(mu_);
    return dropped_;
  }
  size_t opened_count() const {
    std::lock_guard lock(mu_);
    return opened_.size();
  }
  storage::MemoryLogStore& inner() { return *inner_; }

 private:
  std::unique_ptr<storage::MemoryLogStore> inner_ = storage::NewMemoryLogStore();
  mutable std::mutex mu_;
  std::vector<std::pair<uint64_t, uint32_t>> opened_;
  std::vector<uint64_t> dropped_;
};

class CatalogTest : public ::testing::Test {
 protected:
  void Make(CatalogOptions opts = {}) { catalog_ = std::make_unique<Catalog>(opts, &clock_, &logs_, meta_.get()); }
  void SetUp() override { Make(); }

  static CreateStreamSpec Spec(std::string_view name, uint32_t shards, std::string_view account = kAccount,
                               std::string_view region = kRegion) {
    CreateStreamSpec s;
    s.key = {account, region, name};
    s.shard_count = shards;
    return s;
  }

  Status Create(std::string_view name, uint32_t shards, std::string_view account = kAccount,
                std::string_view region = kRegion) {
    return catalog_->CreateStream(Spec(name, shards, account, region));
  }

  // Status of a stream as the catalog reports it now, or nullopt if it does not exist.
  std::optional<StreamStatus> StatusOf(std::string_view name, std::string_view account = kAccount,
                                       std::string_view region = kRegion) {
    std::optional<StreamStatus> out;
    Status st = catalog_->Read({account, region, name}, [&](const Stream& s) {
      out = s.StatusAt(clock_.NowMillis());
      return Status::Ok();
    });
    if (!st.ok()) { EXPECT_EQ(st.code(), Errc::kNotFound); }
    return out;
  }

  uint64_t UidOf(std::string_view name, std::string_view account = kAccount, std::string_view region = kRegion) {
    uint64_t uid = 0;
    EXPECT_TRUE(catalog_
                    ->Read({account, region, name},
                           [&](const Stream& s) {
                             uid = s.uid;
                             return Status::Ok();
                           })
                    .ok());
    return uid;
  }

  std::vector<std::string> Names(std::string_view account = kAccount, std::string_view region = kRegion) {
    std::vector<std::string> names;
    catalog_->ForEachStream(account, region, [&](const Stream& s) { names.push_back(s.name); });
    return names;
  }

  ManualClock clock_{1'700'000'000'123};
  SpyLogStore logs_;
  std::unique_ptr<MetadataStore> meta_ = NewMemoryMetadataStore();
  std::unique_ptr<Catalog> catalog_;
};

TEST_F(CatalogTest, CreateWithoutDelayIsActiveAtOnce) {
  CreateStreamSpec spec = Spec("orders", 4);
  spec.tags = {{"team", "data"}, {"env", "prod"}};
  spec.max_record_size_kib = 2048;
  ASSERT_TRUE(catalog_->CreateStream(spec).ok());
  Status st = catalog_->Read({kAccount, kRegion, "orders"}, [&](const Stream& s) {
    EXPECT_EQ(s.name, "orders");
    EXPECT_EQ(s.account, kAccount);
    EXPECT_EQ(s.region, kRegion);
    EXPECT_EQ(s.arn, "arn:aws:kinesis:us-east-1:123456789012:stream/orders");
    EXPECT_NE(s.uid, 0u);
    EXPECT_EQ(s.created_ms, 1'700'000'000'123);
    EXPECT_EQ(s.epoch, 1'700'000'000u);
    EXPECT_EQ(s.StatusAt(clock_.NowMillis()), StreamStatus::kActive);
    EXPECT_EQ(s.mode, StreamMode::kProvisioned);
    EXPECT_EQ(s.retention_hours, 24);
    EXPECT_EQ(s.max_record_size_kib, 2048);
    EXPECT_EQ(s.tags.size(), 2u);
    EXPECT_EQ(s.tags.at("team"), "data");
    EXPECT_EQ(s.tags.at("env"), "prod");
    EXPECT_TRUE(s.shard_level_metrics.empty());
    EXPECT_EQ(s.OpenShardCount(), 4u);
    EXPECT_FALSE(s.deleted_at_ms.has_value());
    EXPECT_EQ(s.shards.size(), 4u);
    for (uint32_t i = 0; i < s.shards.size(); ++i) {
      const Shard& sh = s.shards[i];
      EXPECT_EQ(sh.index, i);
      EXPECT_TRUE(sh.range == model::EvenRange(i, 4));
      EXPECT_TRUE(sh.is_open());
      EXPECT_FALSE(sh.parent.has_value());
      EXPECT_FALSE(sh.adjacent_parent.has_value());
      EXPECT_EQ(sh.created_ms, s.created_ms);
      EXPECT_NE(sh.log, nullptr);
      EXPECT_EQ(logs_.inner().FindShard({s.uid, i}), sh.log);
    }
    EXPECT_NE(s.routes, nullptr);
    EXPECT_EQ(s.routes->open_shards.size(), 4u);
    return Status::Ok();
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(logs_.opened_count(), 4u);
}

TEST_F(CatalogTest, ReadUnknownStreamIsNotFoundWithAwsMessage) {
  Status st = catalog_->Read({kAccount, kRegion, "nope"}, [](const Stream&) { return Status::Ok(); });
  EXPECT_EQ(st.code(), Errc::kNotFound);
  EXPECT_EQ(st.message(), "Stream nope under account 123456789012 not found.");
  EXPECT_EQ(Catalog::NotFoundMessage("x", "000000000000"), "Stream x under account 000000000000 not found.");
  Status w = catalog_->Write({kAccount, kRegion, "nope"}, [](Stream&) { return Status::Ok(); });
  EXPECT_EQ(w.code(), Errc::kNotFound);
  Status d = catalog_->DeleteStream({kAccount, kRegion, "nope"});
  EXPECT_EQ(d.code(), Errc::kNotFound);
  EXPECT_EQ(d.message(), "Stream nope under account 123456789012 not found.");
}

TEST_F(CatalogTest, ReadPropagatesCallbackStatus) {
  ASSERT_TRUE(Create("s", 1).ok());
  Status st = catalog_->Read({kAccount, kRegion, "s"}, [](const Stream&) { return Status(Errc::kInUse, "busy"); });
  EXPECT_EQ(st.code(), Errc::kInUse);
  EXPECT_EQ(st.message(), "busy");
}

TEST_F(CatalogTest, CreatingBecomesActiveAfterTheDelay) {
  CatalogOptions o;
  o.create_stream_delay_ms = 1000;
  Make(o);
  ASSERT_TRUE(Create("s", 2).ok());
  EXPECT_EQ(StatusOf("s"), StreamStatus::kCreating);
  clock_.Advance(999);
  EXPECT_EQ(StatusOf("s"), StreamStatus::kCreating);
  clock_.Advance(1);
  EXPECT_EQ(StatusOf("s"), StreamStatus::kActive);
  clock_.Advance(1'000'000);
  EXPECT_EQ(StatusOf("s"), StreamStatus::kActive);
}

TEST_F(CatalogTest, DeletingIsGoneAfterTheDelayAndStorageIsDropped) {
  CatalogOptions o;
  o.delete_stream_delay_ms = 500;
  Make(o);
  ASSERT_TRUE(Create("s", 3).ok());
  uint64_t uid = UidOf("s");
  ASSERT_NE(logs_.inner().FindShard({uid, 0}), nullptr);
  ASSERT_TRUE(catalog_->DeleteStream({kAccount, kRegion, "s"}).ok());
  EXPECT_EQ(StatusOf("s"), StreamStatus::kDeleting);
  EXPECT_TRUE(logs_.dropped().empty());
  // A repeated delete while DELETING is accepted and does not extend the delay.
  clock_.Advance(200);
  EXPECT_TRUE(catalog_->DeleteStream({kAccount, kRegion, "s"}).ok());
  clock_.Advance(299);
  EXPECT_EQ(StatusOf("s"), StreamStatus::kDeleting);
  EXPECT_TRUE(catalog_->ReadByUid(uid, [](const Stream&) { return Status::Ok(); }).ok());
  EXPECT_TRUE(logs_.dropped().empty());
  clock_.Advance(1);
  EXPECT_EQ(StatusOf("s"), std::nullopt);
  EXPECT_TRUE(logs_.dropped().empty());  // readers write nothing
  catalog_->SweepDeleted();              // what every writer and the periodic retention pass run first
  EXPECT_EQ(logs_.dropped(), std::vector<uint64_t>{uid});
  for (uint32_t i = 0; i < 3; ++i) EXPECT_EQ(logs_.inner().FindShard({uid, i}), nullptr);
  Status by_uid = catalog_->ReadByUid(uid, [](const Stream&) { return Status::Ok(); });
  EXPECT_EQ(by_uid.code(), Errc::kNotFound);
  EXPECT_TRUE(Names().empty());
  EXPECT_EQ(catalog_->DeleteStream({kAccount, kRegion, "s"}).code(), Errc::kNotFound);
  // Dropped once only.
  clock_.Advance(10'000);
  EXPECT_EQ(catalog_->Usage(kAccount, kRegion).open_provisioned_shards, 0u);
  EXPECT_EQ(logs_.dropped().size(), 1u);
}

TEST_F(CatalogTest, DeleteWithoutDelayIsImmediate) {
  ASSERT_TRUE(Create("s", 1).ok());
  uint64_t uid = UidOf("s");
  ASSERT_TRUE(catalog_->DeleteStream({kAccount, kRegion, "s"}).ok());
  EXPECT_EQ(StatusOf("s"), std::nullopt);
  EXPECT_EQ(logs_.dropped(), std::vector<uint64_t>{uid});
}

TEST_F(CatalogTest, ReadersHideAStreamPastItsDeletionAndAnyWriterDropsIt) {
  CatalogOptions o;
  o.delete_stream_delay_ms = 100;
  Make(o);
  ASSERT_TRUE(Create("a", 1).ok());
  ASSERT_TRUE(Create("b", 1).ok());
  uint64_t a = UidOf("a");
  ASSERT_TRUE(catalog_->DeleteStream({kAccount, kRegion, "a"}).ok());
  clock_.Advance(100);
  // ForEachStream alone (no Read of "a") no longer lists it, nor does Usage count it.
  EXPECT_EQ(Names(), std::vector<std::string>{"b"});
  EXPECT_EQ(catalog_->Usage(kAccount, kRegion).open_provisioned_shards, 1u);
  EXPECT_TRUE(logs_.dropped().empty());
  // A write to another stream sweeps it.
  ASSERT_TRUE(catalog_->Write({kAccount, kRegion, "b"}, [](Stream&) { return Status::Ok(); }).ok());
  EXPECT_EQ(logs_.dropped(), std::vector<uint64_t>{a});
}

TEST_F(CatalogTest, FullLifecycleWithBothDelays) {
  CatalogOptions o;
  o.create_stream_delay_ms = 300;
  o.delete_stream_delay_ms = 700;
  Make(o);
  ASSERT_TRUE(Create("s", 1).ok());
  EXPECT_EQ(StatusOf("s"), StreamStatus::kCreating);
  clock_.Advance(300);
  EXPECT_EQ(StatusOf("s"), StreamStatus::kActive);
  ASSERT_TRUE(catalog_->DeleteStream({kAccount, kRegion, "s"}).ok());
  EXPECT_EQ(StatusOf("s"), StreamStatus::kDeleting);
  clock_.Advance(699);
  EXPECT_EQ(StatusOf("s"), StreamStatus::kDeleting);
  clock_.Advance(1);
  EXPECT_EQ(StatusOf("s"), std::nullopt);
  // Deleting a stream that is still CREATING also works.
  ASSERT_TRUE(Create("t", 1).ok());
  ASSERT_TRUE(catalog_->DeleteStream({kAccount, kRegion, "t"}).ok());
  EXPECT_EQ(StatusOf("t"), StreamStatus::kDeleting);
  clock_.Advance(700);
  EXPECT_EQ(StatusOf("t"), std::nullopt);
}

TEST_F(CatalogTest, DuplicateNameIsInUse) {
  ASSERT_TRUE(Create("s", 1).ok());
  Status st = Create("s", 2);
  EXPECT_EQ(st.code(), Errc::kInUse);
  EXPECT_EQ(st.message(), "Stream s under account 123456789012 already exists.");
  // The first stream is unchanged.
  catalog_
      ->Read({kAccount, kRegion, "s"},
             [](const Stream& s) {
               EXPECT_EQ(s.shards.size(), 1u);
               return Status::Ok();
             })
      .IgnoreError();
}

TEST_F(CatalogTest, NameIsTakenUntilDeletionCompletes) {
  CatalogOptions o;
  o.delete_stream_delay_ms = 1000;
  Make(o);
  ASSERT_TRUE(Create("s", 1).ok());
  uint64_t old_uid = UidOf("s");
  ASSERT_TRUE(catalog_->DeleteStream({kAccount, kRegion, "s"}).ok());
  EXPECT_EQ(Create("s", 1).code(), Errc::kInUse);
  clock_.Advance(1000);
  ASSERT_TRUE(Create("s", 2).ok());
  uint64_t new_uid = UidOf("s");
  EXPECT_NE(new_uid, old_uid);
  EXPECT_EQ(catalog_->ReadByUid(old_uid, [](const Stream&) { return Status::Ok(); }).code(), Errc::kNotFound);
  EXPECT_TRUE(catalog_
                  ->ReadByUid(new_uid,
                              [](const Stream& s) {
                                EXPECT_EQ(s.shards.size(), 2u);
                                return Status::Ok();
                              })
                  .ok());
}

TEST_F(CatalogTest, NamespacedByAccountAndRegion) {
  ASSERT_TRUE(Create("s", 1, "111111111111", "us-east-1").ok());
  ASSERT_TRUE(Create("s", 2, "222222222222", "us-east-1").ok());
  ASSERT_TRUE(Create("s", 3, "111111111111", "eu-west-1").ok());
  EXPECT_EQ(Create("s", 1, "111111111111", "us-east-1").code(), Errc::kInUse);
  Status dup = Create("s", 1, "222222222222", "us-east-1");
  EXPECT_EQ(dup.message(), "Stream s under account 222222222222 already exists.");
  auto shards = [&](std::string_view acct, std::string_view region) {
    size_t n = 0;
    EXPECT_TRUE(catalog_
                    ->Read({acct, region, "s"},
                           [&](const Stream& s) {
                             n = s.shards.size();
                             EXPECT_EQ(s.account, acct);
                             EXPECT_EQ(s.region, region);
                             EXPECT_EQ(s.arn, "arn:aws:kinesis:" + std::string(region) + ":" + std::string(acct) +
                                                  ":stream/s");
                             return Status::Ok();
                           })
                    .ok());
    return n;
  };
  EXPECT_EQ(shards("111111111111", "us-east-1"), 1u);
  EXPECT_EQ(shards("222222222222", "us-east-1"), 2u);
  EXPECT_EQ(shards("111111111111", "eu-west-1"), 3u);
  EXPECT_EQ(StatusOf("s", "222222222222", "eu-west-1"), std::nullopt);
  EXPECT_EQ(Names("111111111111", "us-east-1"), std::vector<std::string>{"s"});
  EXPECT_TRUE(Names("333333333333", "us-east-1").empty());
  EXPECT_TRUE(Names("111111111111", "us-west-2").empty());
  EXPECT_EQ(catalog_->Usage("111111111111", "us-east-1").open_provisioned_shards, 1u);
  EXPECT_EQ(catalog_->Usage("111111111111", "eu-west-1").open_provisioned_shards, 3u);
  // Deleting one leaves the others.
  ASSERT_TRUE(catalog_->DeleteStream({"111111111111", "us-east-1", "s"}).ok());
  EXPECT_EQ(StatusOf("s", "111111111111", "us-east-1"), std::nullopt);
  EXPECT_EQ(shards("222222222222", "us-east-1"), 2u);
  EXPECT_EQ(shards("111111111111", "eu-west-1"), 3u);
}

TEST_F(CatalogTest, PrefixLikeAccountsAndRegionsDoNotMix) {
  ASSERT_TRUE(Create("a", 1, "12345678901", "us-east-1").ok());
  ASSERT_TRUE(Create("b", 1, "123456789012", "us-east-1").ok());
  ASSERT_TRUE(Create("c", 1, "123456789012", "us-east-10").ok());
  EXPECT_EQ(Names("12345678901", "us-east-1"), std::vector<std::string>{"a"});
  EXPECT_EQ(Names("123456789012", "us-east-1"), std::vector<std::string>{"b"});
  EXPECT_EQ(Names("123456789012", "us-east-10"), std::vector<std::string>{"c"});
  EXPECT_EQ(catalog_->Usage("123456789012", "us-east-1").open_provisioned_shards, 1u);
}

TEST_F(CatalogTest, ShardLimit) {
  CatalogOptions o;
  o.shard_limit = 10;
  Make(o);
  ASSERT_TRUE(Create("a", 6).ok());
  Status st = Create("b", 5);
  EXPECT_EQ(st.code(), Errc::kLimitExceeded);
  EXPECT_THAT(st.message(), HasSubstr("shard limit"));
  EXPECT_THAT(st.message(), HasSubstr("123456789012"));
  EXPECT_EQ(StatusOf("b"), std::nullopt);
  ASSERT_TRUE(Create("b", 4).ok());  // exactly at the limit
  EXPECT_EQ(Create("c", 1).code(), Errc::kLimitExceeded);
  EXPECT_EQ(catalog_->Usage(kAccount, kRegion).open_provisioned_shards, 10u);
  // The limit is per account and region.
  EXPECT_TRUE(Create("c", 10, "999999999999", kRegion).ok());
  EXPECT_TRUE(Create("c", 10, kAccount, "eu-west-1").ok());
  // A single stream above the limit.
  EXPECT_EQ(Create("big", 11, "888888888888", kRegion).code(), Errc::kLimitExceeded);
  // Deleting frees the shards.
  ASSERT_TRUE(catalog_->DeleteStream({kAccount, kRegion, "a"}).ok());
  EXPECT_TRUE(Create("c", 6).ok());
}

TEST_F(CatalogTest, MaxShardsPerStream) {
  CatalogOptions o;
  o.max_shards_per_stream = 8;
  Make(o);
  EXPECT_TRUE(Create("ok", 8).ok());
  Status st = Create("big", 9);
  EXPECT_EQ(st.code(), Errc::kLimitExceeded);
}

TEST_F(CatalogTest, OnDemandStreams) {
  CatalogOptions o;
  o.on_demand_stream_limit = 2;
  o.on_demand_initial_shards = 4;
  o.shard_limit = 1;
  Make(o);
  CreateStreamSpec spec = Spec("od1", 0);
  spec.mode = StreamMode::kOnDemand;
  ASSERT_TRUE(catalog_->CreateStream(spec).ok());
  catalog_
      ->Read({kAccount, kRegion, "od1"},
             [](const Stream& s) {
               EXPECT_EQ(s.mode, StreamMode::kOnDemand);
               EXPECT_EQ(s.shards.size(), 4u);
               EXPECT_EQ(s.OpenShardCount(), 4u);
               return Status::Ok();
             })
      .IgnoreError();
  spec.key.name = "od2";
  ASSERT_TRUE(catalog_->CreateStream(spec).ok());
  spec.key.name = "od3";
  Status st = catalog_->CreateStream(spec);
  EXPECT_EQ(st.code(), Errc::kLimitExceeded);
  EXPECT_THAT(st.message(), HasSubstr("on-demand stream count limit"));
  AccountUsage u = catalog_->Usage(kAccount, kRegion);
  EXPECT_EQ(u.on_demand_streams, 2u);
  EXPECT_EQ(u.open_provisioned_shards, 0u);  // on-demand shards do not count against the shard limit
  EXPECT_TRUE(Create("p", 1).ok());
}

TEST_F(CatalogTest, TooManyStreamsCreatingAtOnce) {
  CatalogOptions o;
  o.create_stream_delay_ms = 1000;
  o.max_creating_streams = 5;
  Make(o);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Create(Num("s", i), 1).ok());
  Status st = Create("s5", 1);
  EXPECT_EQ(st.code(), Errc::kLimitExceeded);
  clock_.Advance(1000);
  EXPECT_TRUE(Create("s5", 1).ok());
}

TEST_F(CatalogTest, ForEachStreamVisitsInNameOrder) {
  std::vector<std::string> names = {"zeta", "alpha", "Beta", "a", "a.b", "a-b", "a_b", "0", "9z", "alpha2", "_x"};
  std::mt19937 rng(3);
  std::shuffle(names.begin(), names.end(), rng);
  for (const auto& n : names) ASSERT_TRUE(Create(n, 1).ok()) << n;
  ASSERT_TRUE(Create("other", 1, "999999999999", kRegion).ok());
  std::vector<std::string> expect = names;
  std::sort(expect.begin(), expect.end());
  EXPECT_EQ(Names(), expect);
}

TEST_F(CatalogTest, ReadByUidFindsTheIncarnation) {
  ASSERT_TRUE(Create("a", 1).ok());
  ASSERT_TRUE(Create("b", 2).ok());
  uint64_t a = UidOf("a"), b = UidOf("b");
  EXPECT_NE(a, b);
  std::string seen;
  ASSERT_TRUE(catalog_
                  ->ReadByUid(b,
                              [&](const Stream& s) {
                                seen = s.name;
                                return Status::Ok();
                              })
                  .ok());
  EXPECT_EQ(seen, "b");
  Status st = catalog_->ReadByUid(a ^ b ^ 12345, [](const Stream&) { return Status::Ok(); });
  EXPECT_EQ(st.code(), Errc::kNotFound);
  EXPECT_EQ(catalog_->ReadByUid(0, [](const Stream&) { return Status::Ok(); }).code(), Errc::kNotFound);
}

TEST_F(CatalogTest, UidsAreUnique) {
  std::set<uint64_t> uids;
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(Create(Num("s", i), 1).ok());
    EXPECT_TRUE(uids.insert(UidOf(Num("s", i))).second);
  }
}

TEST_F(CatalogTest, WriteChangesAreVisible) {
  ASSERT_TRUE(Create("s", 1).ok());
  ASSERT_TRUE(catalog_
                  ->Write({kAccount, kRegion, "s"},
                          [](Stream& s) {
                            s.retention_hours = 48;
                            s.tags["k"] = "v";
                            return Status::Ok();
                          })
                  .ok());
  catalog_
      ->Read({kAccount, kRegion, "s"},
             [](const Stream& s) {
               EXPECT_EQ(s.retention_hours, 48);
               EXPECT_EQ(s.tags.at("k"), "v");
               return Status::Ok();
             })
      .IgnoreError();
  Status st = catalog_->Write({kAccount, kRegion, "s"}, [](Stream&) { return Status(Errc::kInvalidArgument, "no"); });
  EXPECT_EQ(st.code(), Errc::kInvalidArgument);
}

TEST_F(CatalogTest, UsageCountsOpenProvisionedShards) {
  ASSERT_TRUE(Create("a", 3).ok());
  ASSERT_TRUE(Create("b", 5).ok());
  AccountUsage u = catalog_->Usage(kAccount, kRegion);
  EXPECT_EQ(u.open_provisioned_shards, 8u);
  EXPECT_EQ(u.on_demand_streams, 0u);
  EXPECT_EQ(catalog_->Usage("000000000000", kRegion).open_provisioned_shards, 0u);
}

// ---------------------------------------------------------------------------------------------
// Stream helpers and RouteTable

TEST(StreamTest, StatusAtAndNames) {
  Stream s;
  s.active_at_ms = 1000;
  EXPECT_EQ(s.StatusAt(999), StreamStatus::kCreating);
  EXPECT_EQ(s.StatusAt(1000), StreamStatus::kActive);
  s.settled_status = StreamStatus::kUpdating;
  EXPECT_EQ(s.StatusAt(2000), StreamStatus::kUpdating);
  s.deleted_at_ms = 5000;
  EXPECT_EQ(s.StatusAt(2000), StreamStatus::kDeleting);
  EXPECT_EQ(s.StatusAt(500), StreamStatus::kDeleting);
  EXPECT_EQ(StreamStatusName(StreamStatus::kCreating), "CREATING");
  EXPECT_EQ(StreamStatusName(StreamStatus::kActive), "ACTIVE");
  EXPECT_EQ(StreamStatusName(StreamStatus::kUpdating), "UPDATING");
  EXPECT_EQ(StreamStatusName(StreamStatus::kDeleting), "DELETING");
  EXPECT_EQ(StreamModeName(StreamMode::kProvisioned), "PROVISIONED");
  EXPECT_EQ(StreamModeName(StreamMode::kOnDemand), "ON_DEMAND");
  EXPECT_EQ(StreamArn("eu-west-1", "000000000000", "x.y"), "arn:aws:kinesis:eu-west-1:000000000000:stream/x.y");
}

TEST(StreamTest, OpenShardCountIgnoresClosedShards) {
  Stream s;
  s.shards.resize(3);
  EXPECT_EQ(s.OpenShardCount(), 3u);
  s.shards[1].end_offset = 10;
  EXPECT_FALSE(s.shards[1].is_open());
  EXPECT_EQ(s.OpenShardCount(), 2u);
}

RouteTable EvenTable(uint32_t n) {
  RouteTable t;
  for (uint32_t i = 0; i < n; ++i) t.open_shards.push_back({model::EvenRange(i, n), i, nullptr});
  return t;
}

HashKey H(std::string_view s) { return *model::ParseHashKey(s); }

TEST(RouteTableTest, EveryKeyRoutesToExactlyOneOpenShard) {
  std::mt19937_64 rng(17);
  for (uint32_t n : {1u, 2u, 3u, 4u, 5u, 7u, 16u, 100u, 1000u}) {
    RouteTable t = EvenTable(n);
    std::vector<HashKey> keys = {0, 1, kMaxHashKey, kMaxHashKey - 1, HashKey{1} << 127, (HashKey{1} << 127) - 1};
    for (const auto& e : t.open_shards) {
      keys.push_back(e.range.start);
      keys.push_back(e.range.end);
      if (e.range.start > 0) keys.push_back(e.range.start - 1);
      if (e.range.end < kMaxHashKey) keys.push_back(e.range.end + 1);
    }
    for (int i = 0; i < 3000; ++i) keys.push_back((static_cast<HashKey>(rng()) << 64) | rng());
    for (HashKey k : keys) {
      const RouteTable::Entry* e = t.Find(k);
      ASSERT_NE(e, nullptr) << "n=" << n << " key=" << model::FormatHashKey(k);
      ASSERT_TRUE(e->range.Contains(k));
      int owners = 0;
      for (const auto& x : t.open_shards) owners += x.range.Contains(k);
      ASSERT_EQ(owners, 1);
    }
    EXPECT_EQ(t.Find(0)->shard_index, 0u);
    EXPECT_EQ(t.Find(kMaxHashKey)->shard_index, n - 1);
  }
}

TEST(RouteTableTest, ReferenceKeysForFourShards) {
  RouteTable t = EvenTable(4);
  // "a" hashes to 16955237001963240173058271559858726497 (< 2^126): shard 0.
  EXPECT_EQ(t.Find(model::HashPartitionKey("a"))->shard_index, 0u);
  // "partitionKey" hashes to 193318062818912349798954611745638949166: shard 2.
  EXPECT_EQ(t.Find(model::HashPartitionKey("partitionKey"))->shard_index, 2u);
  EXPECT_EQ(t.Find(H("85070591730234615865843651857942052863"))->shard_index, 0u);
  EXPECT_EQ(t.Find(H("85070591730234615865843651857942052864"))->shard_index, 1u);
  EXPECT_EQ(t.Find(H("255211775190703847597530955573826158592"))->shard_index, 3u);
}

TEST(RouteTableTest, EmptyTableAndGaps) {
  RouteTable empty;
  EXPECT_EQ(empty.Find(0), nullptr);
  EXPECT_EQ(empty.Find(kMaxHashKey), nullptr);
  RouteTable gap;
  gap.open_shards.push_back({{10, 19}, 1, nullptr});
  gap.open_shards.push_back({{30, 39}, 2, nullptr});
  EXPECT_EQ(gap.Find(9), nullptr);
  EXPECT_EQ(gap.Find(10)->shard_index, 1u);
  EXPECT_EQ(gap.Find(19)->shard_index, 1u);
  EXPECT_EQ(gap.Find(20), nullptr);
  EXPECT_EQ(gap.Find(29), nullptr);
  EXPECT_EQ(gap.Find(30)->shard_index, 2u);
  EXPECT_EQ(gap.Find(39)->shard_index, 2u);
  EXPECT_EQ(gap.Find(40), nullptr);
  EXPECT_EQ(gap.Find(kMaxHashKey), nullptr);
}

TEST_F(CatalogTest, CreatedRouteTableTilesTheSpace) {
  ASSERT_TRUE(Create("s", 7).ok());
  catalog_
      ->Read({kAccount, kRegion, "s"},
             [](const Stream& s) {
               const RouteTable& t = *s.routes;
               EXPECT_EQ(t.open_shards.size(), 7u);
               EXPECT_TRUE(t.open_shards.front().range.start == 0);
               EXPECT_TRUE(t.open_shards.back().range.end == kMaxHashKey);
               for (size_t i = 0; i < t.open_shards.size(); ++i) {
                 EXPECT_EQ(t.open_shards[i].shard_index, i);
                 EXPECT_EQ(t.open_shards[i].log, s.shards[i].writer);
                 if (i) { EXPECT_TRUE(t.open_shards[i - 1].range.end + 1 == t.open_shards[i].range.start); }
               }
               EXPECT_EQ(t.Find(0)->shard_index, 0u);
               EXPECT_EQ(t.Find(kMaxHashKey)->shard_index, 6u);
               return Status::Ok();
             })
      .IgnoreError();
}

}  // namespace
}  // namespace sluice::catalog
