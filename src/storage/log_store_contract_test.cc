// The ShardLog / LogStore contract (shard_log.h), run against every backend (and every
// configuration of one that takes a different path): each is one entry of Backends() at the bottom.
#include <gtest/gtest.h>

#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/fault_injecting_file_system.h"
#include "storage/disk_log_store.h"
#include "storage/memory_log_store.h"
#include "storage/shard_log.h"
#include "storage/storage_test_util.h"

namespace sluice::storage {
namespace {

using testing::AppendSync;
using testing::OwnedRecord;
using testing::ParsePayload;
using testing::Payload;
using testing::ReadAll;

std::string KeyOf(uint64_t writer) { return std::string(1, 't').append(std::to_string(writer)); }

struct Backend {
  std::string name;
  std::function<std::unique_ptr<LogStore>()> make;
};

class LogStoreContractTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    store_ = GetParam().make();
    auto log = store_->OpenShard({7, 0});
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = *log;
  }

  uint64_t Append(const std::vector<std::pair<std::string, std::string>>& records, int64_t ms,
                  ShardLog* log = nullptr) {
    RecordBatchBuilder b;
    for (const auto& [k, d] : records) b.AddRecord(k, d);
    auto r = AppendSync(log ? *log : *log_, b, ms);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->first_offset : UINT64_MAX;
  }

  std::vector<OwnedRecord> ReadFrom(uint64_t from, ReadLimits limits = {}, ReadSummary* summary = nullptr) {
    std::vector<OwnedRecord> out;
    auto r = ReadAll(*log_, from, limits, &out);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (summary && r.ok()) *summary = *r;
    return out;
  }

  std::unique_ptr<LogStore> store_;
  std::shared_ptr<ShardLog> log_;
};

TEST_P(LogStoreContractTest, EmptyLog) {
  LogBounds b = log_->Bounds();
  EXPECT_EQ(b.start_offset, 0u);
  EXPECT_EQ(b.end_offset, 0u);
  EXPECT_EQ(b.last_arrival_ms, 0);
  EXPECT_EQ(log_->OffsetForTimestamp(0), 0u);
  EXPECT_EQ(log_->OffsetForTimestamp(INT64_MAX), 0u);
  ReadSummary s;
  s.next_offset = 99;
  EXPECT_TRUE(ReadFrom(0, {}, &s).empty());
  EXPECT_EQ(s.next_offset, 0u);
  EXPECT_EQ(s.records, 0u);
  EXPECT_EQ(s.bytes, 0u);
  EXPECT_EQ(s.last_arrival_ms, 0);
}

TEST_P(LogStoreContractTest, AppendReadRoundTrip) {
  const std::string big(1024 * 1024 + 17, 'B');      // just over 1 MiB
  const std::string huge(3 * 1024 * 1024 + 5, 'H');  // several MiB
  std::vector<std::pair<std::string, std::string>> recs = {{"pk-a", "hello"},
                                                           {"pk-b", ""},
                                                           {"", "keyless"},
                                                           {"pk-big", big},
                                                           {"pk-c", std::string(1000, 'c')},
                                                           {std::string(256, 'K'), huge},
                                                           {"pk-d", "tail"}};
  EXPECT_EQ(Append(recs, 1000), 0u);
  LogBounds b = log_->Bounds();
  EXPECT_EQ(b.start_offset, 0u);
  EXPECT_EQ(b.end_offset, recs.size());
  EXPECT_EQ(b.last_arrival_ms, 1000);

  ReadSummary s;
  auto got = ReadFrom(0, {}, &s);
  ASSERT_EQ(got.size(), recs.size());
  uint64_t data_bytes = 0;
  for (size_t i = 0; i < recs.size(); ++i) {
    EXPECT_EQ(got[i].offset, i);
    EXPECT_EQ(got[i].arrival_ms, 1000);
    EXPECT_EQ(got[i].key, recs[i].first) << i;
    EXPECT_EQ(got[i].data, recs[i].second) << i;
    data_bytes += recs[i].second.size();
  }
  EXPECT_EQ(s.next_offset, recs.size());
  EXPECT_EQ(s.records, recs.size());
  EXPECT_EQ(s.bytes, data_bytes);
  EXPECT_EQ(s.last_arrival_ms, 1000);
}

TEST_P(LogStoreContractTest, SingleEmptyRecord) {
  EXPECT_EQ(Append({{"k", ""}}, 5), 0u);
  ReadSummary s;
  auto got = ReadFrom(0, {}, &s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].key, "k");
  EXPECT_EQ(got[0].data, "");
  EXPECT_EQ(s.bytes, 0u);
  EXPECT_EQ(s.next_offset, 1u);
}

TEST_P(LogStoreContractTest, OffsetsContiguousAcrossBatches) {
  uint64_t expected = 0;
  for (int batch = 0; batch < 50; ++batch) {
    std::vector<std::pair<std::string, std::string>> recs;
    int n = 1 + (batch * 7) % 13;
    recs.reserve(n);
    for (int i = 0; i < n; ++i) recs.push_back({"k", Payload(batch, i, 16 + (i * 37) % 300)});
    EXPECT_EQ(Append(recs, 100 + batch), expected);
    expected += n;
  }
  EXPECT_EQ(log_->Bounds().end_offset, expected);
  auto got = ReadFrom(0);
  ASSERT_EQ(got.size(), expected);
  for (uint64_t i = 0; i < expected; ++i) EXPECT_EQ(got[i].offset, i);
}

TEST_P(LogStoreContractTest, CallbackCalledExactlyOnce) {
  RecordBatchBuilder b;
  b.AddRecord("k", "v");
  std::atomic<int> calls{0};
  std::promise<void> done;
  log_->Append(b, 1, [&](const Result<AppendResult>& r) {
    EXPECT_TRUE(r.ok());
    if (calls.fetch_add(1) == 0) done.set_value();
  });
  done.get_future().wait();
  EXPECT_EQ(calls.load(), 1);
}

TEST_P(LogStoreContractTest, EmptyBatchIsInvalid) {
  RecordBatchBuilder b;
  auto r = AppendSync(*log_, b, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::kInvalidArgument);
  EXPECT_EQ(log_->Bounds().end_offset, 0u);
}

TEST_P(LogStoreContractTest, ReadMaxRecords) {
  for (int i = 0; i < 10; ++i) Append({{"k", std::to_string(i)}}, 10 + i);
  ReadSummary s;
  auto got = ReadFrom(2, {.max_records = 3, .max_bytes = 1 << 20}, &s);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].offset, 2u);
  EXPECT_EQ(got[2].data, "4");
  EXPECT_EQ(s.records, 3u);
  EXPECT_EQ(s.next_offset, 5u);
  EXPECT_EQ(s.bytes, 3u);
  EXPECT_EQ(s.last_arrival_ms, 14);
  // Resuming at next_offset continues without gaps.
  got = ReadFrom(s.next_offset, {.max_records = 100, .max_bytes = 1 << 20}, &s);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got.front().offset, 5u);
  EXPECT_EQ(s.next_offset, 10u);
  // max_records = 0 visits nothing and does not move.
  got = ReadFrom(3, {.max_records = 0, .max_bytes = 1 << 20}, &s);
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(s.next_offset, 3u);
}

TEST_P(LogStoreContractTest, ReadMaxBytes) {
  // Data sizes 100, 200, 300, 400.
  Append({{"a", std::string(100, 'a')},
          {"b", std::string(200, 'b')},
          {"c", std::string(300, 'c')},
          {"d", std::string(400, 'd')}},
         1);
  ReadSummary s;
  // Exact fit: 100 + 200 = 300 fits, the 300-byte record does not.
  auto got = ReadFrom(0, {.max_records = 100, .max_bytes = 300}, &s);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(s.bytes, 300u);
  EXPECT_EQ(s.next_offset, 2u);
  // Keys do not count against max_bytes.
  got = ReadFrom(0, {.max_records = 100, .max_bytes = 299}, &s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(s.next_offset, 1u);
  // At least one record even if it alone exceeds max_bytes.
  got = ReadFrom(3, {.max_records = 100, .max_bytes = 10}, &s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].data.size(), 400u);
  EXPECT_EQ(s.bytes, 400u);
  EXPECT_EQ(s.next_offset, 4u);
  got = ReadFrom(0, {.max_records = 100, .max_bytes = 0}, &s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(s.next_offset, 1u);
}

TEST_P(LogStoreContractTest, ReadPastEnd) {
  Append({{"k", "1"}, {"k", "2"}}, 1);
  ReadSummary s;
  auto got = ReadFrom(2, {}, &s);  // at the tip
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(s.next_offset, 2u);
  EXPECT_EQ(s.records, 0u);
  EXPECT_EQ(s.last_arrival_ms, 0);
  got = ReadFrom(1000, {}, &s);  // beyond the tip: nothing, position kept
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(s.next_offset, 1000u);
  EXPECT_EQ(s.records, 0u);
}

TEST_P(LogStoreContractTest, ArrivalTimesMadeNonDecreasing) {
  Append({{"k", "a"}}, 100);
  Append({{"k", "b"}}, 50);  // clock went backwards: stored as 100
  Append({{"k", "c"}}, 200);
  Append({{"k", "d"}}, 150);  // stored as 200
  auto got = ReadFrom(0);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].arrival_ms, 100);
  EXPECT_EQ(got[1].arrival_ms, 100);
  EXPECT_EQ(got[2].arrival_ms, 200);
  EXPECT_EQ(got[3].arrival_ms, 200);
  EXPECT_EQ(log_->Bounds().last_arrival_ms, 200);
}

TEST_P(LogStoreContractTest, OffsetForTimestamp) {
  // Offsets 0-2 at 100, 3 at 100 (given 90), 4-5 at 200, 6 at 300, 7 at 300 (given 250).
  Append({{"k", "0"}, {"k", "1"}, {"k", "2"}}, 100);
  Append({{"k", "3"}}, 90);
  Append({{"k", "4"}, {"k", "5"}}, 200);
  Append({{"k", "6"}}, 300);
  Append({{"k", "7"}}, 250);
  EXPECT_EQ(log_->OffsetForTimestamp(INT64_MIN), 0u);
  EXPECT_EQ(log_->OffsetForTimestamp(0), 0u);
  EXPECT_EQ(log_->OffsetForTimestamp(90), 0u);
  EXPECT_EQ(log_->OffsetForTimestamp(100), 0u);  // tie: first of the equal run
  EXPECT_EQ(log_->OffsetForTimestamp(101), 4u);
  EXPECT_EQ(log_->OffsetForTimestamp(200), 4u);
  EXPECT_EQ(log_->OffsetForTimestamp(250), 6u);  // the clamped record counts as 300
  EXPECT_EQ(log_->OffsetForTimestamp(300), 6u);
  EXPECT_EQ(log_->OffsetForTimestamp(301), 8u);  // none: end_offset
  EXPECT_EQ(log_->OffsetForTimestamp(INT64_MAX), 8u);
}

TEST_P(LogStoreContractTest, OffsetForTimestampManyRecords) {
  // Enough records to span several index blocks / segments.
  uint64_t n = 0;
  for (int batch = 0; batch < 40; ++batch) {
    RecordBatchBuilder b;
    for (int i = 0; i < 100; ++i) b.AddRecord("k", "x");
    ASSERT_TRUE(AppendSync(*log_, b, 1000 + batch * 10).ok());
    n += 100;
  }
  for (int batch = 0; batch < 40; ++batch) {
    EXPECT_EQ(log_->OffsetForTimestamp(1000 + batch * 10), batch * 100u);
    EXPECT_EQ(log_->OffsetForTimestamp(1000 + batch * 10 - 5), batch * 100u);
  }
  EXPECT_EQ(log_->OffsetForTimestamp(5000), n);
}

TEST_P(LogStoreContractTest, OpenShardReturnsSameLog) {
  auto again = store_->OpenShard({7, 0});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->get(), log_.get());
  auto other = store_->OpenShard({7, 1});
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->get(), log_.get());
}

TEST_P(LogStoreContractTest, ShardsAreIndependent) {
  auto a = *store_->OpenShard({1, 0});
  auto b = *store_->OpenShard({1, 1});
  auto c = *store_->OpenShard({2, 0});
  EXPECT_EQ(Append({{"k", "a0"}, {"k", "a1"}}, 1, a.get()), 0u);
  EXPECT_EQ(Append({{"k", "b0"}}, 1, b.get()), 0u);
  EXPECT_EQ(Append({{"k", "c0"}}, 1, c.get()), 0u);
  EXPECT_EQ(Append({{"k", "a2"}}, 1, a.get()), 2u);
  EXPECT_EQ(a->Bounds().end_offset, 3u);
  EXPECT_EQ(b->Bounds().end_offset, 1u);
  EXPECT_EQ(c->Bounds().end_offset, 1u);
}

TEST_P(LogStoreContractTest, DropStreamDeletesAllItsShards) {
  auto a0 = *store_->OpenShard({1, 0});
  auto a1 = *store_->OpenShard({1, 1});
  auto b0 = *store_->OpenShard({2, 0});
  Append({{"k", "x"}, {"k", "y"}}, 1, a0.get());
  Append({{"k", "x"}}, 1, a1.get());
  Append({{"k", "keep"}}, 1, b0.get());
  a0.reset();
  a1.reset();
  ASSERT_TRUE(store_->DropStream(1).ok());
  // Reopening gives an empty log starting again at 0.
  auto fresh = *store_->OpenShard({1, 0});
  EXPECT_EQ(fresh->Bounds().end_offset, 0u);
  EXPECT_EQ(Append({{"k", "new"}}, 2, fresh.get()), 0u);
  // Other streams are untouched.
  std::vector<OwnedRecord> out;
  ASSERT_TRUE(ReadAll(*b0, 0, {}, &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, "keep");
  // Dropping an unknown stream is not an error.
  EXPECT_TRUE(store_->DropStream(12345).ok());
}

TEST_P(LogStoreContractTest, ConcurrentAppendsOneShard) {
  constexpr int kThreads = 4;
  constexpr int kBatches = 200;
  std::vector<std::thread> threads;
  std::vector<std::vector<std::pair<uint64_t, uint32_t>>> acks(kThreads);  // first, count
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      RecordBatchBuilder b;
      const std::string key = KeyOf(t);
      uint64_t seq = 0;
      for (int i = 0; i < kBatches; ++i) {
        b.Clear();
        int n = 1 + (i + t) % 7;
        for (int r = 0; r < n; ++r) b.AddRecord(key, Payload(t, seq++, 16 + (r * 53) % 200));
        auto res = AppendSync(*log_, b, 1000 + i);
        ASSERT_TRUE(res.ok());
        acks[t].push_back({res->first_offset, b.count()});
      }
    });
  }
  for (auto& th : threads) th.join();

  // The acknowledged ranges tile [0, end) exactly.
  std::map<uint64_t, uint32_t> ranges;
  for (auto& per : acks)
    for (auto [first, n] : per) EXPECT_TRUE(ranges.emplace(first, n).second);
  uint64_t next = 0;
  for (auto [first, n] : ranges) {
    EXPECT_EQ(first, next);
    next = first + n;
  }
  EXPECT_EQ(log_->Bounds().end_offset, next);

  // Every record is present exactly once, each writer's records in its own order.
  ReadSummary s;
  auto got = ReadFrom(0, {.max_records = 1u << 30, .max_bytes = UINT64_MAX}, &s);
  ASSERT_EQ(got.size(), next);
  std::vector<uint64_t> next_seq(kThreads, 0);
  for (uint64_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].offset, i);
    uint64_t writer, seq;
    ASSERT_TRUE(ParsePayload(got[i].data, &writer, &seq)) << i;
    ASSERT_LT(writer, static_cast<uint64_t>(kThreads));
    EXPECT_EQ(got[i].key, KeyOf(writer));
    EXPECT_EQ(seq, next_seq[writer]) << "writer " << writer;
    next_seq[writer] = seq + 1;
    if (i > 0) { EXPECT_LE(got[i - 1].arrival_ms, got[i].arrival_ms); }
  }
  uint64_t total = 0;
  for (int t = 0; t < kThreads; ++t) total += next_seq[t];
  EXPECT_EQ(total, next);
}

TEST_P(LogStoreContractTest, ConcurrentReadsDuringAppends) {
  constexpr int kWriters = 2;
  constexpr int kReaders = 2;
  constexpr int kBatches = 300;
  std::atomic<int> writers_done{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  threads.reserve(kWriters + kReaders);
  for (int t = 0; t < kWriters; ++t) {
    threads.emplace_back([&, t] {
      RecordBatchBuilder b;
      uint64_t seq = 0;
      for (int i = 0; i < kBatches; ++i) {
        b.Clear();
        for (int r = 0; r < 1 + i % 9; ++r) b.AddRecord("w", Payload(t, seq++, 16 + (i * 31 + r) % 700));
        if (!AppendSync(*log_, b, i).ok()) failed = true;
      }
      writers_done.fetch_add(1);
    });
  }
  // Tailing readers: follow next_offset until the writers are done and the tip is reached.
  std::vector<uint64_t> seen(kReaders, 0);
  for (int rd = 0; rd < kReaders; ++rd) {
    threads.emplace_back([&, rd] {
      uint64_t pos = 0;
      int64_t last_arrival = INT64_MIN;
      std::vector<uint64_t> next_seq(kWriters, 0);
      while (true) {
        bool done = writers_done.load() == kWriters;
        uint64_t end_before = log_->Bounds().end_offset;
        uint64_t expect_offset = pos;
        auto r = log_->Read(pos, {.max_records = 37, .max_bytes = 8192}, [&](const RecordView& v) {
          uint64_t w, s;
          if (v.offset != expect_offset++ || !ParsePayload(v.data, &w, &s) || w >= kWriters || s != next_seq[w] ||
              v.arrival_ms < last_arrival) {
            failed = true;
            return;
          }
          next_seq[w] = s + 1;
          last_arrival = v.arrival_ms;
        });
        if (!r.ok() || r->next_offset != pos + r->records) failed = true;
        if (!r.ok() || failed) break;
        pos = r->next_offset;
        if (r->records == 0 && done && pos >= end_before) break;
        if (r->records == 0) std::this_thread::yield();
      }
      seen[rd] = pos;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_FALSE(failed.load());
  uint64_t end = log_->Bounds().end_offset;
  for (int rd = 0; rd < kReaders; ++rd) EXPECT_EQ(seen[rd], end);
}

// A disk store over its own in-memory fault-injecting file system (owned with the store), or
// with posix=true over the real file system in a temporary directory removed with the store.
// direct_read_min_bytes 1: every read fill goes through ReadAtDirect.
std::unique_ptr<LogStore> DiskStore(Durability durability, uint64_t segment_bytes,
                                    uint64_t direct_read_min_bytes = 512 << 10, bool posix = false) {
  auto fs = std::make_shared<FaultInjectingFileSystem>();
  DiskLogStoreOptions o;
  o.dir = "/data/shards";
  std::string temp;
  if (posix) {
    char tmpl[] = "/tmp/sluice_contract.XXXXXX";
    EXPECT_NE(::mkdtemp(tmpl), nullptr);
    temp = tmpl;
    o.dir = temp + "/shards";
  }
  o.durability = durability;
  o.segment_bytes = segment_bytes;
  o.index_interval_bytes = 256;
  o.direct_read_min_bytes = direct_read_min_bytes;
  auto store = OpenDiskLogStore(posix ? DefaultFileSystem() : fs.get(), o);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  struct Owning : LogStore {
    ~Owning() override {
      store.reset();
      if (!temp.empty()) std::filesystem::remove_all(temp);
    }
    std::string temp;
    std::shared_ptr<FaultInjectingFileSystem> fs;
    std::unique_ptr<DiskLogStore> store;
    Result<std::shared_ptr<ShardLog>> OpenShard(const ShardKey& k) override { return store->OpenShard(k); }
    Status DropStream(uint64_t uid) override { return store->DropStream(uid); }
    Result<std::vector<uint64_t>> ListStreams() override { return store->ListStreams(); }
  };
  auto owning = std::make_unique<Owning>();
  owning->fs = fs;
  owning->temp = temp;
  owning->store = std::move(store.value());
  return owning;
}

std::vector<Backend> Backends() {
  return {
      {"Memory", [] { return std::unique_ptr<LogStore>(NewMemoryLogStore()); }},
      // Small chunks: exercises records spread over many arena chunks.
      {"MemorySmallChunks",
       [] {
         return std::unique_ptr<LogStore>(
             NewMemoryLogStore({.memory_limit_bytes = 0, .min_chunk_bytes = 64, .max_chunk_bytes = 4096}));
       }},
      {"DiskSync", [] { return DiskStore(storage::Durability::kSync, 64 << 20); }},
      // Tiny segments: most appends roll a segment, so reads cross many of them.
      {"DiskTinySegments", [] { return DiskStore(storage::Durability::kSync, 4096); }},
      {"DiskNone", [] { return DiskStore(storage::Durability::kNone, 64 << 20); }},
      {"DiskInterval", [] { return DiskStore(storage::Durability::kInterval, 64 << 20); }},
      // Every read through ReadAtDirect: aligned re-reads of partly read frames, frames that
      // end mid-block, reads racing appends (the fake enforces the alignment rule).
      {"DiskDirectReads", [] { return DiskStore(storage::Durability::kSync, 64 << 20, 1); }},
      {"DiskDirectReadsTinySegments", [] { return DiskStore(storage::Durability::kSync, 4096, 1); }},
      // The real file system with O_DIRECT reads and writes; buffered small writes and
      // durability none leave dirty cached pages that direct reads must still see.
      {"PosixDirectReads", [] { return DiskStore(storage::Durability::kSync, 64 << 20, 1, true); }},
      {"PosixDirectReadsNone", [] { return DiskStore(storage::Durability::kNone, 1 << 20, 1, true); }},
  };
}

INSTANTIATE_TEST_SUITE_P(Backends, LogStoreContractTest, ::testing::ValuesIn(Backends()),
                         [](const ::testing::TestParamInfo<Backend>& info) { return info.param.name; });

}  // namespace
}  // namespace sluice::storage
