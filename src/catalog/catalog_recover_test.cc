// Durability of the catalog: restart (a new Catalog over the same stores) and store failures.
#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <memory>
#include <string>

#include "base/clock.h"
#include "catalog/catalog.h"
#include "catalog/stream_codec.h"
#include "storage/memory_log_store.h"
#include "storage/storage_test_util.h"

namespace sluice::catalog {
namespace {

constexpr std::string_view kAccount = "123456789012";
constexpr std::string_view kRegion = "us-east-1";

// Forwards to a memory store; fails every Apply while `fail` is set.
class FlakyMetadataStore final : public MetadataStore {
 public:
  Result<std::vector<StreamRecord>> LoadStreams() override { return inner_->LoadStreams(); }
  Result<std::optional<std::string>> GetValue(std::string_view key) override { return inner_->GetValue(key); }
  Status Apply(const MetadataBatch& batch) override {
    ++applies;
    if (fail) return Status(Errc::kUnavailable, "injected metadata failure");
    return inner_->Apply(batch);
  }
  bool fail = false;
  int applies = 0;

 private:
  std::unique_ptr<MetadataStore> inner_ = NewMemoryMetadataStore();
};

class CatalogRecoverTest : public ::testing::Test {
 protected:
  void SetUp() override { Restart(); }

  // What a process restart amounts to: fresh in-memory catalog state over the same stores.
  void Restart(CatalogOptions opts = {}) {
    catalog_ = std::make_unique<Catalog>(opts, &clock_, logs_.get(), meta_);
    ASSERT_TRUE(catalog_->Recover().ok());
  }

  Status Create(std::string_view name, uint32_t shards, std::vector<std::pair<std::string, std::string>> tags = {}) {
    CreateStreamSpec spec;
    spec.key = {kAccount, kRegion, name};
    spec.shard_count = shards;
    spec.tags = std::move(tags);
    return catalog_->CreateStream(spec);
  }

  // A copy of the stream's metadata (logs and routes included), or nullopt if absent.
  std::optional<Stream> Get(std::string_view name) {
    std::optional<Stream> out;
    catalog_
        ->Read({kAccount, kRegion, name},
               [&](const Stream& s) {
                 out = s;
                 return Status::Ok();
               })
        .IgnoreError();
    return out;
  }

  ManualClock clock_{1'700'000'000'123};
  std::unique_ptr<storage::MemoryLogStore> logs_ = storage::NewMemoryLogStore();
  FlakyMetadataStore flaky_;
  MetadataStore* meta_ = &flaky_;
  std::unique_ptr<Catalog> catalog_;
};

TEST_F(CatalogRecoverTest, RestartKeepsStreamsShardsTagsRetentionAndData) {
  ASSERT_TRUE(Create("orders", 3, {{"team", "data"}}).ok());
  ASSERT_TRUE(catalog_
                  ->Write({kAccount, kRegion, "orders"},
                          [](Stream& s) {
                            s.retention_hours = 72;
                            s.max_record_size_kib = 2048;
                            s.shard_level_metrics = {"IncomingBytes"};
                            s.tags["env"] = "prod";
                            return Status::Ok();
                          })
                  .ok());
  Stream before = *Get("orders");
  storage::RecordBatchBuilder batch;
  batch.AddRecord("pk", "payload");
  ASSERT_TRUE(storage::testing::AppendSync(*before.shards[1].log, batch, clock_.NowMillis()).ok());

  Restart();
  auto after = Get("orders");
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(EncodeStream(*after), EncodeStream(before));
  EXPECT_EQ(after->arn, before.arn);
  EXPECT_EQ(after->retention_hours, 72);
  EXPECT_EQ(after->tags.at("env"), "prod");
  EXPECT_EQ(after->tags.at("team"), "data");
  ASSERT_EQ(after->shards.size(), 3u);
  EXPECT_EQ(after->shards[1].log->Bounds().end_offset, 1u);
  ASSERT_NE(after->routes, nullptr);
  ASSERT_EQ(after->routes->open_shards.size(), 3u);
  EXPECT_EQ(after->routes->Find(model::kMaxHashKey)->shard_index, 2u);
  EXPECT_EQ(after->routes->open_shards[1].log, after->shards[1].writer);
  EXPECT_TRUE(catalog_->ReadByUid(before.uid, [](const Stream&) { return Status::Ok(); }).ok());
}

TEST_F(CatalogRecoverTest, ClosedShardsStayOutOfTheRouteTable) {
  ASSERT_TRUE(Create("s", 2).ok());
  ASSERT_TRUE(catalog_
                  ->Write({kAccount, kRegion, "s"},
                          [&](Stream& s) {
                            s.shards[0].end_offset = 0;
                            s.shards[0].closed_ms = clock_.NowMillis();
                            return Status::Ok();
                          })
                  .ok());
  Restart();
  auto s = Get("s");
  ASSERT_TRUE(s);
  ASSERT_EQ(s->routes->open_shards.size(), 1u);
  EXPECT_EQ(s->routes->open_shards[0].shard_index, 1u);
  EXPECT_NE(s->shards[0].log, nullptr);  // still readable
}

TEST_F(CatalogRecoverTest, EpochsNeverRepeatAcrossRestarts) {
  ASSERT_TRUE(Create("a", 1).ok());
  uint32_t first = Get("a")->epoch;
  ASSERT_TRUE(catalog_->DeleteStream({kAccount, kRegion, "a"}).ok());
  ASSERT_FALSE(Get("a"));  // swept: no row holds the epoch any more
  Restart();
  ASSERT_TRUE(Create("a", 1).ok());  // same second
  EXPECT_GT(Get("a")->epoch, first);
}

TEST_F(CatalogRecoverTest, DeletingStreamFinishesAfterRestart) {
  CatalogOptions o;
  o.delete_stream_delay_ms = 5000;
  Restart(o);
  ASSERT_TRUE(Create("d", 2).ok());
  uint64_t uid = Get("d")->uid;
  ASSERT_TRUE(catalog_->DeleteStream({kAccount, kRegion, "d"}).ok());
  Restart(o);
  auto s = Get("d");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->StatusAt(clock_.NowMillis()), StreamStatus::kDeleting);
  clock_.Advance(5000);
  EXPECT_FALSE(Get("d"));
  catalog_->EnforceRetention();  // the server's periodic pass sweeps deleted streams first
  EXPECT_TRUE(logs_->ListStreams()->empty());
  EXPECT_TRUE(meta_->LoadStreams()->empty());
  EXPECT_EQ(logs_->FindShard({uid, 0}), nullptr);
}

TEST_F(CatalogRecoverTest, RecoverDropsDataOfStreamsTheStoreDoesNotKnow) {
  ASSERT_TRUE(Create("kept", 1).ok());
  uint64_t kept = Get("kept")->uid;
  ASSERT_TRUE(logs_->OpenShard({424242, 0}).ok());  // a crash after the row delete, before the drop
  Restart();
  EXPECT_EQ(*logs_->ListStreams(), std::vector<uint64_t>{kept});
}

TEST_F(CatalogRecoverTest, CorruptRowFailsRecovery) {
  ASSERT_TRUE(meta_->PutStream({99, "garbage"}).ok());
  Catalog c({}, &clock_, logs_.get(), meta_);
  Status st = c.Recover();
  EXPECT_EQ(st.code(), Errc::kCorruption) << st.ToString();
}

TEST_F(CatalogRecoverTest, FailedCreateLeavesNothingBehind) {
  flaky_.fail = true;
  Status st = Create("x", 4);
  EXPECT_EQ(st.code(), Errc::kUnavailable);
  EXPECT_FALSE(Get("x"));
  EXPECT_TRUE(logs_->ListStreams()->empty());
  flaky_.fail = false;
  ASSERT_TRUE(Create("x", 4).ok());
  Restart();
  EXPECT_TRUE(Get("x"));
}

TEST_F(CatalogRecoverTest, FailedWriteChangesNothingInMemory) {
  ASSERT_TRUE(Create("w", 1, {{"k", "v"}}).ok());
  std::string before = EncodeStream(*Get("w"));
  flaky_.fail = true;
  Status st = catalog_->Write({kAccount, kRegion, "w"}, [](Stream& s) {
    s.tags["k2"] = "v2";
    s.retention_hours = 48;
    return Status::Ok();
  });
  EXPECT_EQ(st.code(), Errc::kUnavailable);
  EXPECT_EQ(EncodeStream(*Get("w")), before);
}

TEST_F(CatalogRecoverTest, WriteWhoseFunctionFailsChangesNothing) {
  ASSERT_TRUE(Create("w", 1).ok());
  std::string before = EncodeStream(*Get("w"));
  Status st = catalog_->Write({kAccount, kRegion, "w"}, [](Stream& s) {
    s.retention_hours = 48;
    return Status(Errc::kInvalidArgument, "no");
  });
  EXPECT_EQ(st.code(), Errc::kInvalidArgument);
  EXPECT_EQ(EncodeStream(*Get("w")), before);
}

TEST_F(CatalogRecoverTest, UnchangedWriteDoesNotTouchTheStore) {
  ASSERT_TRUE(Create("w", 1).ok());
  int applies = flaky_.applies;
  flaky_.fail = true;  // would fail if it were written
  EXPECT_TRUE(catalog_->Write({kAccount, kRegion, "w"}, [](Stream&) { return Status::Ok(); }).ok());
  EXPECT_EQ(flaky_.applies, applies);
}

TEST_F(CatalogRecoverTest, FailedDeleteKeepsTheStreamActive) {
  ASSERT_TRUE(Create("d", 1).ok());
  flaky_.fail = true;
  EXPECT_EQ(catalog_->DeleteStream({kAccount, kRegion, "d"}).code(), Errc::kUnavailable);
  EXPECT_EQ(Get("d")->StatusAt(clock_.NowMillis()), StreamStatus::kActive);
}

TEST_F(CatalogRecoverTest, SweepRetriesWhenTheRowCannotBeDeleted) {
  CatalogOptions o;
  o.delete_stream_delay_ms = 1000;
  Restart(o);
  ASSERT_TRUE(Create("d", 1).ok());
  ASSERT_TRUE(catalog_->DeleteStream({kAccount, kRegion, "d"}).ok());
  flaky_.fail = true;
  clock_.Advance(1000);
  catalog_->SweepDeleted();
  EXPECT_FALSE(Get("d"));                       // gone for clients at its deletion time, store or no store
  EXPECT_EQ(logs_->ListStreams()->size(), 1u);  // the row is still there, so the data must stay too
  flaky_.fail = false;
  int applies = flaky_.applies;
  catalog_->SweepDeleted();
  EXPECT_EQ(flaky_.applies, applies);  // retried after a second, not on every call
  EXPECT_EQ(logs_->ListStreams()->size(), 1u);
  clock_.Advance(1000);
  catalog_->SweepDeleted();
  EXPECT_FALSE(Get("d"));
  EXPECT_TRUE(logs_->ListStreams()->empty());
  EXPECT_TRUE(meta_->LoadStreams()->empty());
}

TEST(CatalogSqliteTest, RestartOverSqliteKeepsStreams) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "sluice-cat-XXXXXX").string();
  std::string dir = ::mkdtemp(tmpl.data());
  ManualClock clock;
  auto logs = storage::NewMemoryLogStore();
  for (int round = 0; round < 2; ++round) {
    auto meta = NewSqliteMetadataStore(dir + "/metadata.db");
    ASSERT_TRUE(meta.ok()) << meta.status().ToString();
    Catalog c({}, &clock, logs.get(), meta->get());
    ASSERT_TRUE(c.Recover().ok());
    if (round == 0) {
      CreateStreamSpec spec;
      spec.key = {kAccount, kRegion, "lite"};
      spec.shard_count = 2;
      spec.tags = {{"a", "b"}};
      ASSERT_TRUE(c.CreateStream(spec).ok());
      continue;
    }
    Status st = c.Read({kAccount, kRegion, "lite"}, [](const Stream& s) {
      EXPECT_EQ(s.shards.size(), 2u);
      EXPECT_EQ(s.tags.at("a"), "b");
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sluice::catalog
