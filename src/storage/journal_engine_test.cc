// The journal engine's behaviour across shards: one sync per commit round whatever the number
// of shards, reads from memory and from files agree, crash points before, around and after
// checkpoints, journal file recycling, the write buffer limit, failed rounds, dropped streams,
// data directories from before the journal, and bounded read descriptors.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/fault_injecting_file_system.h"
#include "storage/disk_log_store.h"
#include "storage/gated_sync_file_system.h"
#include "storage/journal_format.h"
#include "storage/segment_format.h"
#include "storage/storage_test_util.h"

namespace sluice::storage {
namespace {

using testing::AppendSync;
using testing::GatedSyncFileSystem;
using testing::OwnedRecord;
using testing::ReadAll;

constexpr char kDir[] = "/data/shards";
constexpr uint64_t kUid = 42;

std::string ShardDir(uint64_t uid, uint32_t shard) {
  return std::string(kDir) + "/" + segment::StreamDirName(uid) + "/" + segment::ShardDirName(shard);
}

class JournalEngineTest : public ::testing::Test {
 protected:
  DiskLogStoreOptions Options() {
    DiskLogStoreOptions o;
    o.dir = kDir;
    o.segment_bytes = segment_bytes_;
    o.index_interval_bytes = 512;
    o.failure_retry_ms = 20;
    o.clock = &clock_;
    // Checkpoints run only when a test calls Checkpoint/Flush: the clock does not move by
    // itself and no test stages this much.
    o.checkpoint_bytes = 4ull << 30;
    o.write_buffer_bytes = write_buffer_bytes_;
    o.write_buffer_wait_ms = write_buffer_wait_ms_;
    o.journal_file_bytes = journal_file_bytes_;
    o.max_open_files = max_open_files_;
    return o;
  }
  void Open() {
    logs_.clear();
    store_.reset();
    auto s = OpenDiskLogStore(store_fs_ ? store_fs_ : &fs_, Options());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s.value());
  }
  ShardLog& Log(uint32_t shard, uint64_t uid = kUid) {
    auto& slot = logs_[{uid, shard}];
    if (!slot) {
      auto l = store_->OpenShard({uid, shard});
      EXPECT_TRUE(l.ok()) << l.status().ToString();
      slot = *l;
    }
    return *slot;
  }
  Result<AppendResult> Put(uint32_t shard, const std::string& data, int64_t ms = 1000, uint64_t uid = kUid) {
    RecordBatchBuilder b;
    b.AddRecord("k", data);
    return AppendSync(Log(shard, uid), b, ms);
  }
  std::vector<OwnedRecord> All(uint32_t shard, uint64_t uid = kUid) {
    std::vector<OwnedRecord> out;
    auto r = ReadAll(Log(shard, uid), 0, {1u << 30, 1ull << 40}, &out);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return out;
  }
  // Power loss, then a new store on what survived. Nothing the old store does while it shuts
  // down after the crash may reach the disk (its final checkpoint would otherwise write the
  // frames it holds in memory and hide a replay bug).
  void CrashAndReopen(std::optional<uint64_t> torn_seed = std::nullopt) {
    fs_.FailWritesAfter(0);
    fs_.FailSyncsAfter(0);
    fs_.FailSyncDirsAfter(0);
    if (torn_seed) {
      fs_.CrashKeepingTornPrefix(*torn_seed);
    } else {
      fs_.Crash();
    }
    logs_.clear();
    store_.reset();
    fs_.Crash();
    fs_.ClearFaults();
    Open();
  }
  // Every record of the shard, in order from offset 0, is `expected` (and maybe one more
  // unacknowledged record, `maybe`, after it).
  void ExpectExactly(uint32_t shard, const std::vector<std::string>& expected, const std::string* maybe = nullptr) {
    SCOPED_TRACE("shard " + std::to_string(shard));
    auto all = All(shard);
    ASSERT_GE(all.size(), expected.size());
    ASSERT_LE(all.size(), expected.size() + (maybe ? 1 : 0));
    for (size_t i = 0; i < all.size(); ++i) {
      EXPECT_EQ(all[i].offset, i);
      EXPECT_EQ(all[i].data, i < expected.size() ? expected[i] : *maybe) << i;
    }
  }
  std::vector<uint64_t> JournalFiles() {
    auto names = fs_.ListDir(std::string(kDir) + "/" + std::string(journal::kDirName));
    std::vector<uint64_t> out;
    if (!names.ok()) return out;
    for (const auto& n : *names)
      if (auto num = journal::ParseFileName(n)) out.push_back(*num);
    std::sort(out.begin(), out.end());
    return out;
  }
  // A failed journal accepts appends again once failure_retry_ms have passed on the clock and
  // the commit thread took a pass (Flush makes it take one).
  void PassBackOff() {
    store_->Flush();
    clock_.Advance(Options().failure_retry_ms);
    store_->Flush();
  }

  ManualClock clock_;
  FaultInjectingFileSystem fs_;
  FileSystem* store_fs_ = nullptr;
  std::unique_ptr<FileSystem> wrapper_fs_;  // outlives store_
  uint64_t segment_bytes_ = 64 << 20;
  uint64_t write_buffer_bytes_ = 512ull << 20;
  int64_t write_buffer_wait_ms_ = 0;  // refuse at once unless a test wants the back-pressure wait
  uint64_t journal_file_bytes_ = 64ull << 20;
  uint32_t max_open_files_ = 1024;
  std::unique_ptr<DiskLogStore> store_;
  std::map<std::pair<uint64_t, uint32_t>, std::shared_ptr<ShardLog>> logs_;
};

// The point of the journal: appends to 200 shards staged while a round is in its fdatasync
// all complete with one more File::Sync, not one per shard.
TEST_F(JournalEngineTest, OneRoundSyncsOnceForManyShards) {
  auto owned = std::make_unique<GatedSyncFileSystem>(&fs_);
  GatedSyncFileSystem& gated = *owned;
  wrapper_fs_ = std::move(owned);
  store_fs_ = wrapper_fs_.get();
  Open();
  constexpr uint32_t kShards = 200;
  for (uint32_t s = 0; s < kShards; ++s) Log(s);
  ASSERT_TRUE(Put(0, "first").ok());
  gated.Close();
  std::vector<std::promise<Result<AppendResult>>> done(kShards + 1);
  auto append = [&](uint32_t shard, int i) {
    RecordBatchBuilder b;
    b.AddRecord("k", "g" + std::to_string(i));
    Log(shard).Append(b, 1000, [&done, i](Result<AppendResult> r) { done[i].set_value(std::move(r)); });
  };
  append(0, 0);
  gated.WaitForBlockedSync();  // round 1 is inside its fdatasync (not yet counted by fs_)
  const uint64_t syncs_before = fs_.sync_calls();
  for (uint32_t s = 0; s < kShards; ++s) append(s, static_cast<int>(s) + 1);
  gated.OpenGate();
  for (uint32_t i = 0; i <= kShards; ++i) {
    auto r = done[i].get_future().get();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->first_offset, i == 0 ? 1u : (i == 1 ? 2u : 0u)) << i;
  }
  EXPECT_EQ(fs_.sync_calls() - syncs_before, 2u);  // round 1, then one round for all 200 shards
  for (uint32_t s = 1; s < kShards; ++s) ExpectExactly(s, {"g" + std::to_string(s + 1)});
}

struct Snapshot {
  std::vector<std::vector<OwnedRecord>> windows;  // Read(from, 7 records) for every from
  std::vector<uint64_t> by_time;                  // OffsetForTimestamp(ms) for a range of ms
  LogBounds bounds;
};

Snapshot Take(const ShardLog& log, uint64_t end, int64_t max_ms) {
  Snapshot s;
  for (uint64_t from = 0; from <= end; ++from) {
    std::vector<OwnedRecord> out;
    auto r = ReadAll(log, from, {7, 1ull << 30}, &out);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    s.windows.push_back(std::move(out));
  }
  for (int64_t ms = 990; ms <= max_ms + 2; ++ms) s.by_time.push_back(log.OffsetForTimestamp(ms));
  s.bounds = log.Bounds();
  return s;
}

void ExpectSame(const Snapshot& a, const Snapshot& b) {
  ASSERT_EQ(a.windows.size(), b.windows.size());
  for (size_t i = 0; i < a.windows.size(); ++i) {
    ASSERT_EQ(a.windows[i].size(), b.windows[i].size()) << "from " << i;
    for (size_t j = 0; j < a.windows[i].size(); ++j) {
      EXPECT_EQ(a.windows[i][j].offset, b.windows[i][j].offset);
      EXPECT_EQ(a.windows[i][j].arrival_ms, b.windows[i][j].arrival_ms);
      EXPECT_EQ(a.windows[i][j].data, b.windows[i][j].data);
    }
  }
  EXPECT_EQ(a.by_time, b.by_time);
  EXPECT_EQ(a.bounds.start_offset, b.bounds.start_offset);
  EXPECT_EQ(a.bounds.end_offset, b.bounds.end_offset);
  EXPECT_EQ(a.bounds.last_arrival_ms, b.bounds.last_arrival_ms);
}

// Records are readable from memory at once; a checkpoint moves them to files without changing
// any read, including reads that start in the files and end in memory.
TEST_F(JournalEngineTest, ReadsFromMemoryAndFromFilesAgree) {
  segment_bytes_ = 8192;  // checkpoints seal segments
  Open();
  ShardLog& log = Log(0);
  int n = 0;
  auto put = [&](int count) {
    for (int i = 0; i < count; ++i, ++n) {
      // Two records a batch, arrival times with repeats and a step back (made non-decreasing).
      RecordBatchBuilder b;
      b.AddRecord("k", "a" + std::to_string(n) + std::string(300 + n * 13 % 400, 'x'));
      b.AddRecord("k", "b" + std::to_string(n));
      ASSERT_TRUE(AppendSync(log, b, 1000 + n / 2 - (n % 5 == 4 ? 3 : 0)).ok());
    }
  };
  put(20);
  auto seg = fs_.ReadFileForTest(ShardDir(kUid, 0) + "/" + segment::SegmentFileName(0));
  EXPECT_TRUE(!seg.ok() || seg->find("a0") == std::string::npos) << "records reached a segment before a checkpoint";
  Snapshot mem = Take(log, 40, 1000 + n / 2);
  ASSERT_EQ(mem.windows[0].size(), 7u);
  EXPECT_EQ(mem.windows[0][0].data, "a0" + std::string(300, 'x'));
  ASSERT_TRUE(store_->Checkpoint().ok());
  ExpectSame(mem, Take(log, 40, 1000 + n / 2));
  put(20);  // files hold offsets [0, 40), memory [40, 80)
  Snapshot mixed = Take(log, 80, 1000 + n / 2);
  ASSERT_TRUE(store_->Checkpoint().ok());
  ExpectSame(mixed, Take(log, 80, 1000 + n / 2));
  Open();
  ExpectSame(mixed, Take(Log(0), 80, 1000 + n / 2));
}

// Readers running while checkpoints move data from memory to files, again and again, never see
// a gap, a duplicate or wrong bytes.
TEST_F(JournalEngineTest, ConcurrentReadersSeeContiguousRecordsAcrossCheckpoints) {
  segment_bytes_ = 16384;
  Open();
  ShardLog& log = Log(0);
  constexpr uint64_t kRecords = 3000;
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    for (uint64_t seq = 0; seq < kRecords; seq += 3) {
      RecordBatchBuilder b;
      for (uint64_t j = seq; j < seq + 3; ++j) b.AddRecord("k", testing::Payload(0, j, 100 + j % 300));
      auto r = AppendSync(log, b, 1000);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      ASSERT_EQ(r->first_offset, seq);
    }
    writing = false;
  });
  std::thread checkpointer([&] {
    while (writing) EXPECT_TRUE(store_->Checkpoint().ok());
  });
  auto reader = [&](uint32_t max_records) {
    uint64_t passes = 0;
    while (writing || passes < 2) {
      ++passes;
      uint64_t next = 0;
      while (true) {
        std::vector<OwnedRecord> got;
        auto r = ReadAll(log, next, {max_records, 1ull << 30}, &got);
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        if (got.empty()) break;
        for (const OwnedRecord& rec : got) {
          uint64_t w, seq;
          ASSERT_EQ(rec.offset, next);
          ASSERT_TRUE(testing::ParsePayload(rec.data, &w, &seq));
          ASSERT_EQ(seq, next);
          ++next;
        }
        ASSERT_EQ(r->next_offset, next);
      }
      if (!writing) { EXPECT_EQ(next, kRecords); }
    }
  };
  std::thread r1(reader, 10000), r2(reader, 37);
  writer.join();
  checkpointer.join();
  r1.join();
  r2.join();
  EXPECT_EQ(All(0).size(), kRecords);
}

// Nothing was checkpointed: every acknowledged record of every shard comes back from the
// journal, and the shards continue their offsets.
TEST_F(JournalEngineTest, CrashBeforeAnyCheckpointReplaysEveryShard) {
  constexpr uint32_t kShards = 50;
  for (int variant = 0; variant < 4; ++variant) {
    SCOPED_TRACE("variant " + std::to_string(variant));
    fs_ = FaultInjectingFileSystem();
    Open();
    std::vector<std::vector<std::string>> acked(kShards);
    for (int round = 0; round < 6; ++round) {
      std::vector<std::promise<Result<AppendResult>>> done(kShards);
      std::vector<std::string> data(kShards);
      for (uint32_t s = 0; s < kShards; ++s) {
        data[s] = "s" + std::to_string(s) + "r" + std::to_string(round) + std::string(s * 37 % 500, 'z');
        RecordBatchBuilder b;
        b.AddRecord("k", data[s]);
        Log(s).Append(b, 1000 + round, [&done, s](Result<AppendResult> r) { done[s].set_value(std::move(r)); });
      }
      for (uint32_t s = 0; s < kShards; ++s) {
        auto r = done[s].get_future().get();
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        ASSERT_EQ(r->first_offset, acked[s].size());
        acked[s].push_back(data[s]);
      }
    }
    if (variant == 0) {
      CrashAndReopen();
    } else {
      CrashAndReopen(variant);
    }
    for (uint32_t s = 0; s < kShards; ++s) {
      ExpectExactly(s, acked[s]);
      auto next = Put(s, "after");
      ASSERT_TRUE(next.ok()) << next.status().ToString();
      EXPECT_EQ(next->first_offset, acked[s].size());
      acked[s].push_back("after");
    }
    // Once more, now that the replayed data went through the startup checkpoint.
    CrashAndReopen();
    for (uint32_t s = 0; s < kShards; ++s) ExpectExactly(s, acked[s]);
  }
}

// For each n, the n-th sync (or write, or directory sync) fails while appends to several shards go on between
// checkpoints that seal small segments; after a crash every acknowledged record is there
// exactly once, in order.
TEST_F(JournalEngineTest, CrashPointsAroundCheckpointsKeepEveryAcknowledgedRecordOnce) {
  constexpr uint32_t kShards = 3;
  for (int kind = 0; kind < 3; ++kind) {
    for (uint64_t n = 0; n < 45; ++n) {
      SCOPED_TRACE(std::string(kind == 0   ? "sync"
                               : kind == 1 ? "write"
                                           : "directory sync") +
                   " fails after " + std::to_string(n));
      segment_bytes_ = 4096 << (n % 3);
      fs_ = FaultInjectingFileSystem();
      Open();
      if (kind == 0) fs_.FailSyncsAfter(n);
      if (kind == 1) fs_.FailWritesAfter(n);
      if (kind == 2) fs_.FailSyncDirsAfter(n);
      std::vector<std::vector<std::string>> acked(kShards);
      std::vector<std::optional<std::string>> failed(kShards);
      for (int i = 0; i < 60; ++i) {
        uint32_t s = static_cast<uint32_t>(i) % kShards;
        if (i % 7 == 6) (void)store_->Checkpoint();  // may fail: the data stays in memory
        if (failed[s]) continue;
        std::string d = "r" + std::to_string(i) + std::string(400 + (i * 211) % 1200, 'a' + s);
        auto r = Put(s, d, 1000 + i);
        if (!r.ok()) {
          failed[s] = d;
          continue;
        }
        ASSERT_EQ(r->first_offset, acked[s].size());
        acked[s].push_back(d);
      }
      CrashAndReopen(n % 2 ? std::optional<uint64_t>(n) : std::nullopt);
      for (uint32_t s = 0; s < kShards; ++s) {
        ExpectExactly(s, acked[s], failed[s] ? &*failed[s] : nullptr);
        auto next = Put(s, "again");
        ASSERT_TRUE(next.ok()) << next.status().ToString();
        EXPECT_EQ(next->first_offset, All(s).size() - 1);
      }
    }
  }
}

// Journal files are recycled after checkpoints (their number stays bounded while their file
// numbers grow), and a crash in a file reached through a kNextFile replays both files.
TEST_F(JournalEngineTest, JournalFilesAreRecycledAndReplayCrossesFiles) {
  journal_file_bytes_ = kMinJournalFileBytes;
  Open();
  ShardLog& log = Log(0);
  constexpr size_t kRecordBytes = 1 << 20;
  constexpr int kPerBatch = 6;  // 6 MiB a frame: five fit in a journal file
  // Cheap to build and compare (testing::Payload's fill pattern costs seconds at this size).
  auto Big = [](uint64_t n) {
    std::string s(kRecordBytes, static_cast<char>('a' + n % 26));
    std::memcpy(s.data(), &n, sizeof n);
    return s;
  };
  uint64_t seq = 0;
  auto put_batch = [&] {
    RecordBatchBuilder b;
    for (int j = 0; j < kPerBatch; ++j, ++seq) b.AddRecord("k", Big(seq));
    auto r = AppendSync(log, b, 1000);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->first_offset, seq - kPerBatch);
  };
  uint64_t max_seen = 0;
  size_t max_count = 0;
  for (int round = 0; round < 5; ++round) {  // 5 x 24 MiB = 120 MiB
    for (int i = 0; i < 4; ++i) put_batch();
    ASSERT_TRUE(store_->Checkpoint().ok());
    std::vector<uint64_t> files = JournalFiles();
    ASSERT_FALSE(files.empty());
    EXPECT_GE(files.back(), max_seen);
    max_seen = files.back();
    max_count = std::max(max_count, files.size());
  }
  EXPECT_GE(max_seen, 4u);   // 120 MiB went through files of 33 MiB
  EXPECT_LE(max_count, 3u);  // ... but only a few exist at a time (2 here)
  EXPECT_LT(max_count, max_seen);
  // 42 MiB without a checkpoint: the journal moves on to the next file via kNextFile.
  const uint64_t before = JournalFiles().back();
  for (int i = 0; i < 7; ++i) put_batch();
  EXPECT_GT(JournalFiles().back(), before);
  CrashAndReopen(7);
  ShardLog& again = Log(0);
  EXPECT_EQ(again.Bounds().end_offset, seq);
  uint64_t next = 0;
  while (next < seq) {
    std::vector<OwnedRecord> got;
    auto r = ReadAll(again, next, {64, 1ull << 30}, &got);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_FALSE(got.empty());
    for (const OwnedRecord& rec : got) {
      ASSERT_EQ(rec.offset, next);
      ASSERT_TRUE(rec.data == Big(next)) << next;
      ++next;
    }
  }
  RecordBatchBuilder b;
  b.AddRecord("k", "tail");
  auto r = AppendSync(again, b, 2000);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->first_offset, seq);
}

// Data not yet checkpointed is bounded: past write_buffer_bytes appends fail kUnavailable and
// change nothing, and a checkpoint makes room again.
TEST_F(JournalEngineTest, FullWriteBufferRefusesAppendsUntilACheckpoint) {
  write_buffer_bytes_ = 16 << 20;
  Open();
  ShardLog& log = Log(0);
  const std::string mib(1 << 20, 'w');
  uint64_t acked = 0;
  std::optional<Status> refused;
  for (int i = 0; i < 100 && !refused; ++i) {
    RecordBatchBuilder b;
    b.AddRecord("k", mib);
    auto r = AppendSync(log, b, 1000);
    if (r.ok()) {
      EXPECT_EQ(r->first_offset, acked);
      ++acked;
    } else {
      refused = r.status();
    }
  }
  ASSERT_TRUE(refused.has_value()) << "100 MiB accepted with a 16 MiB write buffer";
  EXPECT_EQ(refused->code(), Errc::kUnavailable) << refused->ToString();
  EXPECT_GT(acked, 0u);
  EXPECT_LE(acked, 16u);
  EXPECT_EQ(log.Bounds().end_offset, acked);
  EXPECT_EQ(All(0).size(), acked);
  ASSERT_TRUE(store_->Checkpoint().ok());
  RecordBatchBuilder b;
  b.AddRecord("k", "room");
  auto r = AppendSync(log, b, 1000);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->first_offset, acked);
  Open();
  EXPECT_EQ(All(0).size(), acked + 1);
}

// With a wait allowed, a full write buffer delays appends until a checkpoint frees room instead
// of refusing them: 48 MiB through a 16 MiB buffer while another thread checkpoints.
TEST_F(JournalEngineTest, FullWriteBufferDelaysAppendsWhileACheckpointFreesRoom) {
  write_buffer_bytes_ = 16 << 20;
  write_buffer_wait_ms_ = 60'000;  // generous: the checkpointer below always frees room
  Open();
  ShardLog& log = Log(0);
  std::atomic<bool> done{false};
  std::thread checkpointer([&] {
    while (!done) {
      EXPECT_TRUE(store_->Checkpoint().ok());
      std::this_thread::yield();
    }
  });
  const std::string mib(1 << 20, 'w');
  for (uint64_t i = 0; i < 48; ++i) {
    RecordBatchBuilder b;
    b.AddRecord("k", mib);
    auto r = AppendSync(log, b, 1000);
    if (!r.ok()) {
      ADD_FAILURE() << "append " << i << ": " << r.status().ToString();
      break;
    }
    EXPECT_EQ(r->first_offset, i);
  }
  done = true;
  checkpointer.join();
  EXPECT_EQ(All(0).size(), 48u);
}

// A round that fails (write or sync) fails every unacknowledged append of every shard; the
// offsets are assigned again after the back-off, and a crash never brings the failed data back
// in place of the acknowledged records that took its offsets.
TEST_F(JournalEngineTest, FailedRoundFailsEveryShardAndItsOffsetsAreReused) {
  constexpr uint32_t kShards = 10;
  for (int writes = 0; writes < 2; ++writes) {
    for (uint64_t seed = 0; seed < 3; ++seed) {
      SCOPED_TRACE(std::string(writes ? "write" : "sync") + " failure, crash " + std::to_string(seed));
      fs_ = FaultInjectingFileSystem();
      Open();
      std::vector<std::vector<std::string>> acked(kShards);
      for (uint32_t s = 0; s < kShards; ++s) {
        acked[s].push_back("before" + std::to_string(s));
        ASSERT_TRUE(Put(s, acked[s].back()).ok());
      }
      if (seed == 2) { ASSERT_TRUE(store_->Checkpoint().ok()); }
      if (writes) {
        fs_.FailWritesAfter(0);
      } else {
        fs_.FailSyncsAfter(0);
      }
      std::vector<std::promise<Result<AppendResult>>> done(kShards);
      for (uint32_t s = 0; s < kShards; ++s) {
        RecordBatchBuilder b;
        b.AddRecord("k", "FAILED" + std::to_string(s) + std::string(3000, 'f'));
        Log(s).Append(b, 1000, [&done, s](Result<AppendResult> r) { done[s].set_value(std::move(r)); });
      }
      for (uint32_t s = 0; s < kShards; ++s) {
        auto r = done[s].get_future().get();
        ASSERT_FALSE(r.ok()) << "shard " << s;
        EXPECT_TRUE(r.status().code() == Errc::kIoError || r.status().code() == Errc::kUnavailable)
            << r.status().ToString();
        EXPECT_EQ(Log(s).Bounds().end_offset, 1u);
      }
      fs_.ClearFaults();
      PassBackOff();
      for (uint32_t s = 0; s < kShards; ++s) {
        acked[s].push_back("after" + std::to_string(s));
        auto r = Put(s, acked[s].back());
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        EXPECT_EQ(r->first_offset, 1u);  // the failed append's offset, no gap
      }
      for (uint32_t s = 0; s < kShards; ++s) ExpectExactly(s, acked[s]);
      CrashAndReopen(seed == 0 ? std::nullopt : std::optional<uint64_t>(seed));
      for (uint32_t s = 0; s < kShards; ++s) ExpectExactly(s, acked[s]);
    }
  }
}

// A dropped stream's data, whether still only in memory (and in the journal) or already in
// segment files, does not come back after a crash or a restart; other streams are intact.
TEST_F(JournalEngineTest, DroppedStreamStaysDroppedAfterCrashAndRestart) {
  constexpr uint64_t kDropped = 7, kKept = 8;
  for (int variant = 0; variant < 4; ++variant) {
    const bool checkpointed = variant & 1, crash = variant & 2;
    SCOPED_TRACE(std::string(checkpointed ? "checkpointed" : "memory only") + (crash ? ", crash" : ", restart"));
    fs_ = FaultInjectingFileSystem();
    Open();
    std::vector<std::string> kept;
    for (int i = 0; i < 10; ++i) {
      for (uint32_t s = 0; s < 2; ++s) ASSERT_TRUE(Put(s, "drop" + std::to_string(i), 1000, kDropped).ok());
      kept.push_back("keep" + std::to_string(i));
      ASSERT_TRUE(Put(0, kept.back(), 1000, kKept).ok());
      if (checkpointed && i == 5) { ASSERT_TRUE(store_->Checkpoint().ok()); }
    }
    ASSERT_TRUE(store_->DropStream(kDropped).ok());
    EXPECT_EQ(Put(0, "late", 1000, kDropped).status().code(), Errc::kNotFound);
    kept.push_back("keep-after");
    ASSERT_TRUE(Put(0, kept.back(), 1000, kKept).ok());
    if (crash) {
      CrashAndReopen(variant);
    } else {
      Open();
    }
    auto streams = store_->ListStreams();
    ASSERT_TRUE(streams.ok());
    EXPECT_EQ(*streams, std::vector<uint64_t>{kKept});
    EXPECT_FALSE(fs_.Exists(ShardDir(kDropped, 0)));
    EXPECT_EQ(All(0, kKept).size(), kept.size());
    for (size_t i = 0; i < kept.size(); ++i) EXPECT_EQ(All(0, kKept)[i].data, kept[i]);
  }
}

// DropStream while appends to that stream and to another one, and checkpoints, are running:
// the other stream keeps every acknowledged record, the dropped one comes back empty (and is not
// left in the manifest). Appends racing checkpoints also exercise a frame published between a
// checkpoint's cut and its taking the dirty set: it must be written by the next checkpoint.
TEST_F(JournalEngineTest, DropStreamDuringAppendsAndCheckpointsLosesNothingElse) {
  constexpr uint64_t kDropped = 7, kKept = 8;
  segment_bytes_ = 8192;
  Open();
  ShardLog& dropped = Log(0, kDropped);
  ShardLog& kept = Log(0, kKept);
  std::atomic<bool> stop{false};
  std::atomic<int> dropped_acked{0};
  std::thread drop_writer([&] {
    for (int i = 0; !stop; ++i) {
      RecordBatchBuilder b;
      b.AddRecord("k", "d" + std::to_string(i) + std::string(500, 'd'));
      auto r = AppendSync(dropped, b, 1000);
      if (!r.ok()) {
        EXPECT_EQ(r.status().code(), Errc::kNotFound) << r.status().ToString();
        break;
      }
      ++dropped_acked;
    }
  });
  std::thread checkpointer([&] {
    while (!stop) EXPECT_TRUE(store_->Checkpoint().ok());
  });
  std::vector<std::string> acked;
  for (int i = 0; i < 400; ++i) {
    if (i == 200) {
      while (dropped_acked < 50) std::this_thread::yield();
      ASSERT_TRUE(store_->DropStream(kDropped).ok());
    }
    acked.push_back("k" + std::to_string(i) + std::string(300, 'k'));
    RecordBatchBuilder b;
    b.AddRecord("k", acked.back());
    auto r = AppendSync(kept, b, 1000);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->first_offset, acked.size() - 1);
  }
  stop = true;
  drop_writer.join();
  checkpointer.join();
  CrashAndReopen();
  auto streams = store_->ListStreams();
  ASSERT_TRUE(streams.ok());
  EXPECT_EQ(*streams, std::vector<uint64_t>{kKept});
  EXPECT_EQ(Log(0, kDropped).Bounds().end_offset, 0u);
  auto all = All(0, kKept);
  ASSERT_EQ(all.size(), acked.size());
  for (size_t i = 0; i < acked.size(); ++i) EXPECT_EQ(all[i].data, acked[i]) << i;
}

// Only a dropped stream had data in a journal file: the checkpoint after the drop writes no
// shard, yet the file is released and recycled as a later one. The manifest must then name
// the later file, or a crash replays from a recycled number and loses the kept stream's data.
TEST_F(JournalEngineTest, JournalFileHoldingOnlyDroppedDataIsRecycledSafely) {
  constexpr uint64_t kDropped = 7, kKept = 8;
  journal_file_bytes_ = kMinJournalFileBytes;
  Open();
  std::vector<std::string> kept = {"first"};
  ASSERT_TRUE(Put(0, kept.back(), 1000, kKept).ok());
  ASSERT_TRUE(store_->Checkpoint().ok());
  const std::string big(6 << 20, 'd');
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(Put(0, big, 1000, kDropped).ok());  // 36 MiB: into file 2
  ASSERT_TRUE(store_->DropStream(kDropped).ok());
  ASSERT_TRUE(store_->Checkpoint().ok());  // file 1 is released
  for (int i = 0; i < 6; ++i) {            // into file 3, which may be file 1 recycled
    kept.push_back(std::string(6 << 20, static_cast<char>('a' + i)));
    ASSERT_TRUE(Put(0, kept.back(), 1000, kKept).ok());
  }
  CrashAndReopen();
  auto all = All(0, kKept);
  ASSERT_EQ(all.size(), kept.size());
  for (size_t i = 0; i < kept.size(); ++i) EXPECT_TRUE(all[i].data == kept[i]) << i;
}

// A data directory from before the journal (no journal directory, no manifest) is recovered by
// scanning; the next checkpoint records the shard in the manifest, so later starts trust the
// manifest: damage inside the active segment is then reported by the read that meets it
// instead of being cut off by a scan.
TEST_F(JournalEngineTest, PreJournalDirectoryIsScannedOnceThenKnownToTheManifest) {
  Open();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Put(0, "old" + std::to_string(i) + std::string(200, 'o')).ok());
  logs_.clear();
  store_.reset();  // a clean stop: everything is in the segment file
  ASSERT_TRUE(fs_.RemoveAll(std::string(kDir) + "/journal").ok());
  Open();
  ASSERT_EQ(All(0).size(), 10u);
  ASSERT_TRUE(store_->Checkpoint().ok());  // records the scanned shard
  logs_.clear();
  store_.reset();
  const std::string seg = ShardDir(kUid, 0) + "/" + segment::SegmentFileName(0);
  auto bytes = fs_.ReadFileForTest(seg);
  ASSERT_TRUE(bytes.ok());
  size_t pos = 0;  // the fifth frame
  for (int i = 0; i < 4; ++i) pos += segment::DecodeFrameHeader(bytes->data() + pos).length;
  ASSERT_TRUE(fs_.Corrupt(seg, pos + segment::kFrameHeaderBytes + 20).ok());
  Open();
  EXPECT_EQ(Log(0).Bounds().end_offset, 10u);  // no scan cut the log at the damage
  std::vector<OwnedRecord> out;
  auto r = ReadAll(Log(0), 0, {}, &out);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::kCorruption) << r.status().ToString();
  EXPECT_EQ(out.size(), 4u);  // the records before the damaged frame
  auto next = Put(0, "new");
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->first_offset, 10u);
}

// 2,000 shards through a cache of 64 read descriptors: every shard is written and read, and
// the cache never holds more than its capacity.
TEST_F(JournalEngineTest, ManyShardsKeepReadDescriptorsBounded) {
  max_open_files_ = 64;
  Open();
  constexpr uint32_t kShards = 2000;
  size_t most = 0;
  for (uint32_t s = 0; s < kShards; ++s) {
    ASSERT_TRUE(Put(s, "first" + std::to_string(s)).ok());
    most = std::max(most, store_->open_files());
  }
  ASSERT_TRUE(store_->Checkpoint().ok());
  most = std::max(most, store_->open_files());
  for (uint32_t s = 0; s < kShards; ++s) {
    ASSERT_TRUE(Put(s, "second" + std::to_string(s)).ok());
    auto all = All(s);  // the first record from its file, the second from memory
    ASSERT_EQ(all.size(), 2u) << s;
    EXPECT_EQ(all[0].data, "first" + std::to_string(s));
    EXPECT_EQ(all[1].data, "second" + std::to_string(s));
    most = std::max(most, store_->open_files());
  }
  ASSERT_TRUE(store_->Checkpoint().ok());
  for (uint32_t s = 0; s < kShards; s += 3) {
    EXPECT_EQ(All(s).size(), 2u) << s;
    most = std::max(most, store_->open_files());
  }
  EXPECT_LE(most, 64u);
  EXPECT_GT(most, 0u);  // the reads did go through the cache
}

}  // namespace
}  // namespace sluice::storage
