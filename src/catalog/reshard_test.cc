// SplitShard, MergeShards, UpdateShardCount: lineage, validation, the route switch under
// concurrent appends, UPDATING, and persistence across a restart.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "catalog/catalog_test_fixture.h"
#include "model/hash_key.h"
#include "storage/memory_log_store.h"
#include "storage/storage_test_util.h"

namespace sluice::catalog {
namespace {

using model::HashKey;
using model::kMaxHashKey;
using ::testing::HasSubstr;
using testing::SteppingClock;

const HashKey kHalf = HashKey{1} << 127;

// Forwards to a log but holds every append's completion until CompleteAll: an append in flight.
class DeferringLog final : public storage::ShardLog {
 public:
  explicit DeferringLog(std::shared_ptr<storage::ShardLog> inner) : inner_(std::move(inner)) {}
  void Append(const storage::RecordBatchBuilder& batch, int64_t arrival_ms, storage::AppendCallback done) override {
    inner_->Append(batch, arrival_ms, [this, done = std::move(done)](Result<storage::AppendResult> r) mutable {
      pending_.push_back([done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
    });
  }
  storage::LogBounds Bounds() const override { return inner_->Bounds(); }
  uint64_t OffsetForTimestamp(int64_t ms) const override { return inner_->OffsetForTimestamp(ms); }
  Result<storage::ReadSummary> Read(uint64_t from, const storage::ReadLimits& limits,
                                    const std::function<void(const storage::RecordView&)>& visit) const override {
    return inner_->Read(from, limits, visit);
  }
  Status ExpireBefore(int64_t horizon_ms) override { return inner_->ExpireBefore(horizon_ms); }
  void CompleteAll() {
    for (auto& complete : pending_) complete();
    pending_.clear();
  }

 private:
  std::shared_ptr<storage::ShardLog> inner_;
  std::vector<std::function<void()>> pending_;
};

// Opens DeferringLogs over another store's logs.
class DeferringLogStore final : public storage::LogStore {
 public:
  explicit DeferringLogStore(storage::LogStore* inner) : inner_(inner) {}
  Result<std::shared_ptr<storage::ShardLog>> OpenShard(const storage::ShardKey& key) override {
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<storage::ShardLog> log, inner_->OpenShard(key));
    opened_.push_back(std::make_shared<DeferringLog>(std::move(log)));
    return std::shared_ptr<storage::ShardLog>(opened_.back());
  }
  Status DropStream(uint64_t uid) override { return inner_->DropStream(uid); }
  Result<std::vector<uint64_t>> ListStreams() override { return inner_->ListStreams(); }
  void CompleteAll() {
    for (auto& log : opened_) log->CompleteAll();
  }

 private:
  storage::LogStore* inner_;
  std::vector<std::shared_ptr<DeferringLog>> opened_;
};

class ReshardTest : public testing::CatalogFixture {
 protected:
  ReshardTest() : CatalogFixture(1'700'000'000'123) {}
  void SetUp() override { Make(); }
  // Restarts the catalog on stepping_ with the given drain (and seal) timeout.
  void MakeStepping(int64_t drain_timeout_ms) {
    catalog_clock_ = &stepping_;
    CatalogOptions o;
    o.reshard_drain_timeout_ms = drain_timeout_ms;
    Make(o);
  }
  std::shared_ptr<const RouteTable> Routes(std::string_view name) {
    std::shared_ptr<const RouteTable> r;
    EXPECT_TRUE(catalog_
                    ->Read(Key(name),
                           [&](const Stream& s) {
                             r = s.routes;
                             return Status::Ok();
                           })
                    .ok());
    return r;
  }
  // What the put path does: route under the catalog lock, append after releasing it.
  Result<storage::AppendResult> Put(std::string_view name, HashKey key) {
    auto routes = Routes(name);
    const RouteTable::Entry* e = routes->Find(key);
    if (!e) return Status(Errc::kInternal, "no route");
    storage::RecordBatchBuilder b;
    b.AddRecord("pk", "data");
    return storage::testing::AppendSync(*e->log, b, clock_.NowMillis());
  }
  // Open shards sorted by range; checks they tile the hash key space.
  std::vector<Shard> OpenTiling(const Stream& s) {
    std::vector<Shard> open;
    for (const Shard& sh : s.shards)
      if (sh.is_open()) open.push_back(sh);
    std::sort(open.begin(), open.end(), [](const Shard& a, const Shard& b) { return a.range.start < b.range.start; });
    EXPECT_FALSE(open.empty());
    if (open.empty()) return open;
    EXPECT_EQ(open.front().range.start, 0);
    EXPECT_EQ(open.back().range.end, kMaxHashKey);
    for (size_t i = 1; i < open.size(); ++i) EXPECT_EQ(open[i].range.start, open[i - 1].range.end + 1);
    return open;
  }

  SteppingClock stepping_{&clock_, 1};
};

TEST_F(ReshardTest, SplitClosesTheParentAtItsTipAndRoutesToTheChildren) {
  ASSERT_TRUE(Create("s", 1).ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Put("s", 42).ok());
  auto old_routes = Routes("s");
  std::shared_ptr<storage::ShardLog> old_writer = old_routes->open_shards[0].log;
  old_routes.reset();
  clock_.Advance(10);
  ASSERT_TRUE(catalog_->SplitShard(Key("s"), "shardId-000000000000", kHalf).ok());

  Stream s = Get("s");
  ASSERT_EQ(s.shards.size(), 3u);
  EXPECT_EQ(s.shards[0].end_offset, 3u);
  EXPECT_EQ(s.shards[0].closed_ms, clock_.NowMillis());
  EXPECT_EQ(s.shards[1].parent, 0u);
  EXPECT_EQ(s.shards[2].parent, 0u);
  EXPECT_FALSE(s.shards[1].adjacent_parent);
  EXPECT_EQ(s.shards[1].range.start, 0);
  EXPECT_EQ(s.shards[1].range.end, kHalf - 1);
  EXPECT_EQ(s.shards[2].range.start, kHalf);
  EXPECT_EQ(s.shards[2].range.end, kMaxHashKey);
  EXPECT_EQ(s.shards[1].created_ms, clock_.NowMillis());
  EXPECT_EQ(s.OpenShardCount(), 2u);
  EXPECT_EQ(s.StatusAt(clock_.NowMillis()), StreamStatus::kActive);  // no delay configured

  auto routes = Routes("s");
  ASSERT_EQ(routes->open_shards.size(), 2u);
  EXPECT_EQ(routes->Find(0)->shard_index, 1u);
  EXPECT_EQ(routes->Find(kMaxHashKey)->shard_index, 2u);
  EXPECT_EQ(routes->open_shards[0].log, s.shards[1].writer);
  // A put that routed with the old table before the split fails retriably, never lands past the end.
  storage::RecordBatchBuilder b;
  b.AddRecord("pk", "late");
  auto late = storage::testing::AppendSync(*old_writer, b, clock_.NowMillis());
  EXPECT_EQ(late.status().code(), Errc::kUnavailable);
  EXPECT_EQ(s.shards[0].log->Bounds().end_offset, 3u);
  ASSERT_TRUE(Put("s", 42).ok());
  EXPECT_EQ(Get("s").shards[1].log->Bounds().end_offset, 1u);
}

// A put that routed with the old table and never lets go of it: the drain waits for it until
// reshard_drain_timeout_ms has passed on the catalog's clock, then the reshard goes on and the
// late put fails retriably instead of landing behind the parent's end.
TEST_F(ReshardTest, DrainGivesUpAtItsTimeoutOnTheCatalogClock) {
  MakeStepping(40);
  ASSERT_TRUE(Create("s", 1).ok());
  ASSERT_TRUE(Put("s", 42).ok());
  auto held = Routes("s");
  int64_t before_ns = stepping_.MonotonicNanos();
  ASSERT_TRUE(catalog_->SplitShard(Key("s"), "shardId-000000000000", kHalf).ok());
  EXPECT_GE(stepping_.MonotonicNanos() - before_ns, 40 * 1'000'000);
  Stream s = Get("s");
  EXPECT_EQ(s.shards[0].end_offset, 1u);
  storage::RecordBatchBuilder b;
  b.AddRecord("pk", "late");
  auto late = storage::testing::AppendSync(*held->Find(42)->log, b, clock_.NowMillis());
  EXPECT_EQ(late.status().code(), Errc::kUnavailable);
  EXPECT_EQ(s.shards[0].log->Bounds().end_offset, 1u);
}

TEST_F(ReshardTest, SealWaitsForAppendsInFlightUntilItsDeadline) {
  auto inner = logs_->OpenShard({7, 0});
  ASSERT_TRUE(inner.ok());
  auto deferring = std::make_shared<DeferringLog>(*inner);
  auto gated = std::make_shared<GatedShardLog>(deferring);
  storage::RecordBatchBuilder b;
  b.AddRecord("pk", "in flight");
  Result<storage::AppendResult> acked = Status(Errc::kInternal, "not completed");
  gated->Append(b, clock_.NowMillis(), [&](Result<storage::AppendResult> r) { acked = std::move(r); });

  const int64_t deadline_ns = stepping_.MonotonicNanos() + 10 * 1'000'000;
  auto timed_out = gated->Seal(stepping_, deadline_ns);
  EXPECT_EQ(timed_out.status().code(), Errc::kUnavailable);
  EXPECT_EQ(timed_out.status().message(), "Appends to the shard did not complete in time; retry the reshard.");
  EXPECT_GE(stepping_.MonotonicNanos(), deadline_ns);
  EXPECT_FALSE(gated->sealed());  // unsealed again: the reshard that asked is abandoned
  EXPECT_FALSE(acked.ok());

  deferring->CompleteAll();
  ASSERT_TRUE(acked.ok());
  auto end = gated->Seal(stepping_, stepping_.MonotonicNanos() + 10 * 1'000'000);
  ASSERT_TRUE(end.ok()) << end.status().ToString();
  EXPECT_EQ(*end, 1u);
  EXPECT_TRUE(gated->sealed());
  auto late = storage::testing::AppendSync(*gated, b, clock_.NowMillis());
  EXPECT_EQ(late.status().code(), Errc::kUnavailable);
  EXPECT_EQ(deferring->Bounds().end_offset, 1u);
}

// A parent append that does not complete before the seal's deadline (on the catalog's clock)
// abandons the reshard: the stream is unchanged, the parent unsealed and writable, and the
// reshard succeeds once the append has completed.
TEST_F(ReshardTest, AppendInFlightPastTheSealDeadlineAbandonsTheReshard) {
  DeferringLogStore deferring(logs_.get());
  catalog_logs_ = &deferring;
  MakeStepping(10);
  ASSERT_TRUE(Create("s", 1).ok());
  storage::RecordBatchBuilder b;
  b.AddRecord("pk", "in flight");
  Result<storage::AppendResult> acked = Status(Errc::kInternal, "not completed");
  Routes("s")->Find(42)->log->Append(b, clock_.NowMillis(),
                                     [&](Result<storage::AppendResult> r) { acked = std::move(r); });

  Status st = catalog_->SplitShard(Key("s"), "shardId-000000000000", kHalf);
  EXPECT_EQ(st.code(), Errc::kUnavailable);
  EXPECT_EQ(st.message(), "Appends to the shard did not complete in time; retry the reshard.");
  Stream s = Get("s");
  EXPECT_EQ(s.shards.size(), 1u);
  EXPECT_TRUE(s.shards[0].is_open());
  EXPECT_FALSE(s.shards[0].writer->sealed());

  deferring.CompleteAll();
  ASSERT_TRUE(acked.ok());
  ASSERT_TRUE(catalog_->SplitShard(Key("s"), "shardId-000000000000", kHalf).ok());
  EXPECT_EQ(Get("s").shards[0].end_offset, 1u);
}

TEST_F(ReshardTest, SplitValidation) {
  ASSERT_TRUE(Create("s", 2).ok());
  HashKey end0 = model::EvenRange(0, 2).end;
  auto split = [&](std::string_view id, HashKey k) { return catalog_->SplitShard(Key("s"), id, k); };
  for (HashKey bad : {HashKey{0}, HashKey{1}, end0, end0 + 1}) {
    Status st = split("shardId-000000000000", bad);
    EXPECT_EQ(st.code(), Errc::kInvalidArgument) << model::FormatHashKey(bad);
  }
  EXPECT_EQ(split("shardId-000000000000", 1).message(),
            "NewStartingHashKey 1 used in SplitShard() on shard shardId-000000000000 in stream s under account "
            "123456789012 is not both greater than one plus the shard's StartingHashKey 0 and less than the shard's "
            "EndingHashKey " +
                model::FormatHashKey(end0) + ".");
  EXPECT_TRUE(split("shardId-000000000000", 2).ok());  // the smallest allowed key
  Status missing = split("shardId-000000000009", 5);
  EXPECT_EQ(missing.code(), Errc::kNotFound);
  EXPECT_EQ(missing.message(), "Could not find shard shardId-000000000009 in stream s under account 123456789012.");
  EXPECT_EQ(split("nonsense", 5).code(), Errc::kNotFound);
  Status closed = split("shardId-000000000000", 5);
  EXPECT_EQ(closed.code(), Errc::kInUse);
  EXPECT_THAT(closed.message(), HasSubstr("has already been merged or split"));
  EXPECT_EQ(catalog_->SplitShard(Key("nope"), "shardId-000000000000", 5).code(), Errc::kNotFound);

  ASSERT_TRUE(Create("od", 0, StreamMode::kOnDemand).ok());
  EXPECT_EQ(catalog_->SplitShard(Key("od"), "shardId-000000000000", kHalf).code(), Errc::kValidation);
  EXPECT_EQ(catalog_->MergeShards(Key("od"), "shardId-000000000000", "shardId-000000000001").code(), Errc::kValidation);
  EXPECT_EQ(catalog_->UpdateShardCount(Key("od"), 8).status().code(), Errc::kValidation);
}

TEST_F(ReshardTest, SplitRespectsTheShardLimit) {
  CatalogOptions o;
  o.shard_limit = 2;
  Make(o);
  ASSERT_TRUE(Create("s", 2).ok());
  Status st = catalog_->SplitShard(Key("s"), "shardId-000000000000", 100);
  EXPECT_EQ(st.code(), Errc::kLimitExceeded);
  EXPECT_THAT(st.message(), HasSubstr("Current shard count for the account: 2. Limit: 2. Number of additional "
                                      "shards that would have resulted from this request: 1."));
}

TEST_F(ReshardTest, MergeAdjacentShardsInEitherOrder) {
  ASSERT_TRUE(Create("s", 3).ok());
  Status st = catalog_->MergeShards(Key("s"), "shardId-000000000000", "shardId-000000000002");
  EXPECT_EQ(st.code(), Errc::kInvalidArgument);
  EXPECT_EQ(st.message(),
            "Shards shardId-000000000000 and shardId-000000000002 in stream s under account "
            "123456789012 are not an adjacent pair of shards eligible for merging");
  EXPECT_EQ(catalog_->MergeShards(Key("s"), "shardId-000000000001", "shardId-000000000001").code(),
            Errc::kInvalidArgument);
  EXPECT_EQ(catalog_->MergeShards(Key("s"), "shardId-000000000001", "shardId-000000000007").code(), Errc::kNotFound);
  ASSERT_TRUE(Put("s", kMaxHashKey).ok());
  ASSERT_TRUE(catalog_->MergeShards(Key("s"), "shardId-000000000002", "shardId-000000000001").ok());
  Stream s = Get("s");
  ASSERT_EQ(s.shards.size(), 4u);
  EXPECT_EQ(s.shards[3].parent, 2u);
  EXPECT_EQ(s.shards[3].adjacent_parent, 1u);
  EXPECT_EQ(s.shards[3].range.start, s.shards[1].range.start);
  EXPECT_EQ(s.shards[3].range.end, kMaxHashKey);
  EXPECT_EQ(s.shards[1].end_offset, 0u);
  EXPECT_EQ(s.shards[2].end_offset, 1u);
  EXPECT_EQ(OpenTiling(s).size(), 2u);
  EXPECT_EQ(catalog_->MergeShards(Key("s"), "shardId-000000000001", "shardId-000000000000").code(), Errc::kInUse);
}

TEST_F(ReshardTest, UpdatingForTheConfiguredDelayRefusesAnotherReshard) {
  CatalogOptions o;
  o.update_stream_delay_ms = 500;
  Make(o);
  ASSERT_TRUE(Create("s", 2).ok());
  ASSERT_TRUE(catalog_->SplitShard(Key("s"), "shardId-000000000000", 100).ok());
  EXPECT_EQ(Get("s").StatusAt(clock_.NowMillis()), StreamStatus::kUpdating);
  Status st = catalog_->MergeShards(Key("s"), "shardId-000000000002", "shardId-000000000003");
  EXPECT_EQ(st.code(), Errc::kInUse);
  EXPECT_EQ(st.message(), "Stream s under account 123456789012 not ACTIVE, instead in state UPDATING");
  EXPECT_EQ(catalog_->UpdateShardCount(Key("s"), 4).status().code(), Errc::kInUse);
  EXPECT_TRUE(Put("s", 0).ok());  // writes continue while UPDATING
  clock_.Advance(500);
  EXPECT_EQ(Get("s").StatusAt(clock_.NowMillis()), StreamStatus::kActive);
  EXPECT_TRUE(catalog_->MergeShards(Key("s"), "shardId-000000000002", "shardId-000000000003").ok());
}

TEST_F(ReshardTest, UpdateShardCountFourToEightToThree) {
  ASSERT_TRUE(Create("s", 4).ok());
  auto up = catalog_->UpdateShardCount(Key("s"), 9);
  EXPECT_EQ(up.status().code(), Errc::kLimitExceeded);
  EXPECT_EQ(up.status().message(),
            "UpdateShardCount cannot scale up over double your current open shard count. "
            "Current open shard count: 4 Target shard count: 9");
  auto r = catalog_->UpdateShardCount(Key("s"), 8);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->current, 4u);
  EXPECT_EQ(r->target, 8u);
  Stream s = Get("s");
  ASSERT_EQ(s.shards.size(), 12u);  // every shard split in two, lower child first
  for (uint32_t i = 0; i < 4; ++i) {
    EXPECT_EQ(s.shards[4 + 2 * i].parent, i);
    EXPECT_EQ(s.shards[5 + 2 * i].parent, i);
  }
  auto open = OpenTiling(s);
  ASSERT_EQ(open.size(), 8u);
  for (uint32_t k = 0; k < 8; ++k) EXPECT_TRUE(open[k].range == model::EvenRange(k, 8));

  auto down = catalog_->UpdateShardCount(Key("s"), 3);
  EXPECT_EQ(down.status().code(), Errc::kLimitExceeded);
  EXPECT_EQ(down.status().message(),
            "UpdateShardCount cannot scale down below half your current open shard "
            "count. Current open shard count: 8 Target shard count: 3");
  ASSERT_TRUE(catalog_->UpdateShardCount(Key("s"), 4).ok());
  s = Get("s");
  open = OpenTiling(s);
  ASSERT_EQ(open.size(), 4u);
  EXPECT_EQ(open[0].parent, 4u);
  EXPECT_EQ(open[0].adjacent_parent, 5u);
  ASSERT_TRUE(catalog_->UpdateShardCount(Key("s"), 3).ok());
  open = OpenTiling(Get("s"));
  ASSERT_EQ(open.size(), 3u);
  for (uint32_t k = 0; k < 3; ++k) EXPECT_TRUE(open[k].range == model::EvenRange(k, 3));
  for (const Shard& sh : open) EXPECT_TRUE(sh.parent.has_value());
}

TEST_F(ReshardTest, UpdateShardCountCallsPerDay) {
  CatalogOptions o;
  o.scaling_ops_per_day = 2;
  Make(o);
  ASSERT_TRUE(Create("s", 2).ok());
  ASSERT_TRUE(catalog_->UpdateShardCount(Key("s"), 4).ok());
  clock_.Advance(1000);
  ASSERT_TRUE(catalog_->UpdateShardCount(Key("s"), 2).ok());
  auto third = catalog_->UpdateShardCount(Key("s"), 4);
  EXPECT_EQ(third.status().code(), Errc::kLimitExceeded);
  EXPECT_THAT(third.status().message(), HasSubstr("UpdateShardCount"));
  clock_.Advance(24 * 3600 * 1000 - 999);  // the first call leaves the rolling window
  EXPECT_TRUE(catalog_->UpdateShardCount(Key("s"), 4).ok());
}

TEST_F(ReshardTest, UpdateShardCountBoundsAndShardLimit) {
  CatalogOptions o;
  o.shard_limit = 5;
  o.max_scaling_target = 6;
  Make(o);
  ASSERT_TRUE(Create("s", 4).ok());
  EXPECT_EQ(catalog_->UpdateShardCount(Key("s"), 7).status().code(), Errc::kLimitExceeded);  // > 6 per stream
  auto over = catalog_->UpdateShardCount(Key("s"), 6);
  EXPECT_EQ(over.status().code(), Errc::kLimitExceeded);
  EXPECT_THAT(over.status().message(), HasSubstr("shard limit"));
  EXPECT_TRUE(catalog_->UpdateShardCount(Key("s"), 5).ok());
}

// Whatever the current tiling, UNIFORM_SCALING ends on the even ranges with valid pairwise ops.
TEST_F(ReshardTest, UniformScalingPlanFromIrregularTilings) {
  std::mt19937 rng(7);
  for (int round = 0; round < 60; ++round) {
    Stream s;
    uint32_t n = 1 + rng() % 12;
    for (uint32_t i = 0; i < n; ++i) {
      Shard sh;
      sh.index = i;
      sh.range = model::EvenRange(i, n);
      s.shards.push_back(sh);
    }
    // Irregular tiling: a few random splits.
    for (int k = 0; k < 3; ++k) {
      Shard& victim = s.shards[rng() % s.shards.size()];
      if (!victim.is_open() || victim.range.end - victim.range.start < 4) continue;
      HashKey mid = victim.range.start + (victim.range.end - victim.range.start) / (2 + rng() % 5) + 2;
      ApplyReshardOps(&s, {ReshardOp::Split(victim.index, mid)}, 0, {});
    }
    uint32_t open_count = s.OpenShardCount();
    uint32_t target = std::max<uint32_t>(1, (open_count + 1) / 2 + rng() % (open_count * 2 - (open_count + 1) / 2 + 1));
    auto ops = PlanUniformScaling(s, target);
    for (const ReshardOp& op : ops) {
      ASSERT_LT(op.shard, s.shards.size());
      ASSERT_TRUE(s.shards[op.shard].is_open());
      if (op.kind == ReshardOp::Kind::kMerge) {
        const auto& a = s.shards[op.shard].range;
        const auto& b = s.shards[op.adjacent].range;
        ASSERT_TRUE(s.shards[op.adjacent].is_open());
        ASSERT_EQ(a.end + 1, b.start);
      } else {
        ASSERT_GT(op.new_starting_hash_key, s.shards[op.shard].range.start);
        ASSERT_LE(op.new_starting_hash_key, s.shards[op.shard].range.end);
      }
      ApplyReshardOps(&s, {op}, 0, {});
    }
    auto open = OpenTiling(s);
    ASSERT_EQ(open.size(), target) << "round " << round;
    for (uint32_t k = 0; k < target; ++k) EXPECT_TRUE(open[k].range == model::EvenRange(k, target));
  }
}

// The route switch under load: every append acknowledged on the parent is below its end
// offset, the parent's end is exactly the number acknowledged there, nothing is lost.
TEST_F(ReshardTest, ConcurrentAppendsDuringSplitsAndMerges) {
  ASSERT_TRUE(Create("s", 1).ok());
  std::atomic<bool> stop{false};
  struct Acked {
    uint32_t shard;
    uint64_t offset;
  };
  std::vector<std::vector<Acked>> acked(3);
  std::atomic<uint64_t> rejected{0};
  std::vector<std::thread> writers;
  writers.reserve(3);
  for (int t = 0; t < 3; ++t) {
    writers.emplace_back([&, t] {
      std::mt19937_64 rng(t);
      while (!stop.load()) {
        HashKey key = (HashKey{rng()} << 64) | rng();
        auto routes = Routes("s");
        const RouteTable::Entry* e = routes->Find(key);
        storage::RecordBatchBuilder b;
        b.AddRecord("pk", "x");
        auto r = storage::testing::AppendSync(*e->log, b, clock_.NowMillis());
        if (r.ok()) {
          acked[t].push_back({e->shard_index, r->first_offset});
        } else if (r.status().code() == Errc::kUnavailable) {
          rejected.fetch_add(1);
        } else {
          ADD_FAILURE() << r.status().ToString();
        }
      }
    });
  }
  auto pause = [] { std::this_thread::sleep_for(std::chrono::milliseconds(20)); };
  pause();
  ASSERT_TRUE(catalog_->SplitShard(Key("s"), "shardId-000000000000", kHalf).ok());
  pause();
  ASSERT_TRUE(catalog_->SplitShard(Key("s"), "shardId-000000000001", kHalf / 2).ok());
  pause();
  ASSERT_TRUE(catalog_->MergeShards(Key("s"), "shardId-000000000003", "shardId-000000000004").ok());
  pause();
  ASSERT_TRUE(catalog_->UpdateShardCount(Key("s"), 4).ok());
  pause();
  stop.store(true);
  for (auto& w : writers) w.join();

  Stream s = Get("s");
  std::vector<uint64_t> count(s.shards.size(), 0);
  for (const auto& v : acked)
    for (const Acked& a : v) {
      ++count[a.shard];
      if (s.shards[a.shard].end_offset) { EXPECT_LT(a.offset, *s.shards[a.shard].end_offset); }
    }
  for (const Shard& sh : s.shards) {
    EXPECT_EQ(sh.log->Bounds().end_offset, count[sh.index]) << "shard " << sh.index;
    if (sh.end_offset) { EXPECT_EQ(*sh.end_offset, count[sh.index]) << "shard " << sh.index; }
  }
  EXPECT_EQ(rejected.load(), 0u);  // the drain waits for routed puts; none should hit a sealed parent
  EXPECT_GT(count[0], 0u);
}

TEST_F(ReshardTest, LineageEndOffsetsAndUpdatingSurviveRestart) {
  CatalogOptions o;
  o.update_stream_delay_ms = 60'000;
  Make(o);
  ASSERT_TRUE(Create("s", 2).ok());
  ASSERT_TRUE(Put("s", 0).ok());
  ASSERT_TRUE(Put("s", 1).ok());
  ASSERT_TRUE(catalog_->UpdateShardCount(Key("s"), 1).ok());
  Stream before = Get("s");
  Make(o);  // restart over the same stores
  Stream after = Get("s");
  ASSERT_EQ(after.shards.size(), 3u);
  EXPECT_EQ(after.shards[0].end_offset, 2u);
  EXPECT_EQ(after.shards[1].end_offset, 0u);
  EXPECT_EQ(after.shards[0].closed_ms, before.shards[0].closed_ms);
  EXPECT_EQ(after.shards[2].parent, 0u);
  EXPECT_EQ(after.shards[2].adjacent_parent, 1u);
  EXPECT_EQ(after.StatusAt(clock_.NowMillis()), StreamStatus::kUpdating);
  EXPECT_EQ(after.scaling_ops_ms, before.scaling_ops_ms);
  EXPECT_TRUE(after.shards[0].writer->sealed());
  auto routes = Routes("s");
  ASSERT_EQ(routes->open_shards.size(), 1u);
  EXPECT_EQ(routes->open_shards[0].shard_index, 2u);
  EXPECT_EQ(catalog_->MergeShards(Key("s"), "shardId-000000000000", "shardId-000000000001").code(), Errc::kInUse);
}

// A log that lost its unsynced tail in a crash ends where its records end, so readers still
// reach the end of the shard and its children.
TEST_F(ReshardTest, RecoveryEndsAClosedShardAtItsTipWhenTheLogIsShorter) {
  ASSERT_TRUE(Create("s", 2).ok());
  ASSERT_TRUE(Put("s", 0).ok());
  ASSERT_TRUE(catalog_
                  ->Write(Key("s"),
                          [&](Stream& s) {
                            s.shards[0].end_offset = 5;
                            s.shards[0].closed_ms = clock_.NowMillis();
                            return Status::Ok();
                          })
                  .ok());
  Make();
  EXPECT_EQ(Get("s").shards[0].end_offset, 1u);
}

}  // namespace
}  // namespace sluice::catalog
