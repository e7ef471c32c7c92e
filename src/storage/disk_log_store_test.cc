// Durable-log behaviour beyond the ShardLog contract: restart, crash points, torn tails,
// corruption, retention, disk-full and I/O errors — on the fault-injecting file system.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/fault_injecting_file_system.h"
#include "storage/disk_log_store.h"
#include "storage/gated_sync_file_system.h"
#include "storage/segment_format.h"
#include "storage/storage_test_util.h"

namespace sluice::storage {
namespace {

using testing::AppendSync;
using testing::GatedSyncFileSystem;
using testing::OwnedRecord;
using testing::ReadAll;

constexpr char kDir[] = "/data/shards";
const std::string kShardDir = std::string(kDir) + "/" + segment::StreamDirName(42) + "/" + segment::ShardDirName(0);

class DiskLogStoreTest : public ::testing::Test {
 protected:
  DiskLogStoreOptions Options() {
    DiskLogStoreOptions o;
    o.dir = kDir;
    o.segment_bytes = segment_bytes_;
    o.index_interval_bytes = 512;
    o.failure_retry_ms = 20;
    o.clock = &clock_;
    o.durability = durability_;
    o.direct_read_min_bytes = direct_read_min_;
    return o;
  }
  void Open() {
    log_.reset();
    store_.reset();
    auto s = OpenDiskLogStore(store_fs_ ? store_fs_ : &fs_, Options());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s.value());
    auto l = store_->OpenShard({42, 0});
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    log_ = *l;
  }
  Result<AppendResult> Put(const std::string& data, int64_t ms = 1000, int n = 1) {
    RecordBatchBuilder b;
    for (int i = 0; i < n; ++i) b.AddRecord("k", data + "#" + std::to_string(i));
    return AppendSync(*log_, b, ms);
  }
  std::vector<OwnedRecord> All() {
    std::vector<OwnedRecord> out;
    auto r = ReadAll(*log_, 0, {}, &out);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return out;
  }
  std::vector<std::string> Files() {
    auto names = fs_.ListDir(kShardDir);
    return names.ok() ? *names : std::vector<std::string>{};
  }

  // A failed shard re-runs recovery on the commit thread's first pass once failure_retry_ms
  // have passed on the clock, and not before; Flush makes the commit thread take a pass.
  Result<AppendResult> PutAfterBackOff(const std::string& data) {
    store_->Flush();
    clock_.Advance(Options().failure_retry_ms - 1);
    store_->Flush();
    auto early = Put(data);
    EXPECT_FALSE(early.ok()) << "accepted before the back-off passed";
    clock_.Advance(1);
    store_->Flush();
    return Put(data);
  }

  ManualClock clock_;  // monotonic time of the store: the failure back-off moves only when told
  FaultInjectingFileSystem fs_;
  FileSystem* store_fs_ = nullptr;          // when set, the store uses it instead of fs_
  std::unique_ptr<FileSystem> wrapper_fs_;  // owns store_fs_ when a test wraps fs_; outlives store_
  uint64_t segment_bytes_ = 64 << 20;
  uint64_t direct_read_min_ = 512 << 10;
  Durability durability_ = Durability::kSync;
  std::unique_ptr<DiskLogStore> store_;
  std::shared_ptr<ShardLog> log_;
};

TEST_F(DiskLogStoreTest, RestartKeepsRecordsOffsetsAndTimes) {
  Open();
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(Put("r" + std::to_string(i), 1000 + i, 3).ok());
  auto before = All();
  Open();
  auto after = All();
  ASSERT_EQ(after.size(), 150u);
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].offset, before[i].offset);
    EXPECT_EQ(after[i].data, before[i].data);
    EXPECT_EQ(after[i].arrival_ms, before[i].arrival_ms);
  }
  EXPECT_EQ(log_->Bounds().end_offset, 150u);
  auto next = Put("after");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->first_offset, 150u);
}

// A consumer catching up (bulk reads, each starting where the previous stopped) while a producer
// appends: the read-ahead it gets (including the one started speculatively while a call is
// processed, and across segment changes) never changes what it reads.
TEST_F(DiskLogStoreTest, SequentialBulkReadsAreReadAheadAndSeeEveryRecordOnce) {
  segment_bytes_ = 4 << 20;
  direct_read_min_ = 4096;
  Open();
  constexpr int kBatch = 50, kFirst = 3000, kMore = 1000;
  auto put = [&](int from, int n) {
    for (int i = from; i < from + n; i += kBatch) {
      RecordBatchBuilder b;
      for (int j = i; j < i + kBatch; ++j) b.AddRecord("k", testing::Payload(0, j, 2048));
      ASSERT_TRUE(AppendSync(*log_, b, 1000).ok());
    }
  };
  put(0, kFirst);
  ASSERT_TRUE(store_->Checkpoint().ok());  // the backlog is in segment files; the rest follows from memory
  std::atomic<bool> produced{false};
  std::thread producer([&] {
    put(kFirst, kMore);
    produced = true;
  });
  uint64_t next = 0;
  // Reads until the producer is done and a read started after that finds nothing more (no
  // bound on the number of calls: a slow producer, e.g. under TSan, makes the reader spin).
  while (next < kFirst + kMore) {
    const bool finished = produced.load();
    std::vector<OwnedRecord> got;
    auto r = ReadAll(*log_, next, {700, 10 << 20}, &got);  // ~1.4 MB a call
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    for (const OwnedRecord& rec : got) {
      uint64_t writer, seq;
      ASSERT_TRUE(testing::ParsePayload(rec.data, &writer, &seq));
      ASSERT_EQ(rec.offset, next);
      ASSERT_EQ(seq, next);
      ASSERT_EQ(rec.data, testing::Payload(0, seq, 2048));
      ++next;
    }
    if (got.empty()) {
      if (finished) break;
      std::this_thread::yield();
    }
  }
  producer.join();
  EXPECT_EQ(next, static_cast<uint64_t>(kFirst + kMore));
  ReadAheadStats st = store_->read_ahead_stats();
  EXPECT_GT(st.started, 0u);
  EXPECT_GT(st.adopted, 0u);
  EXPECT_LE(st.adopted, st.started);
}

TEST_F(DiskLogStoreTest, SealedSegmentsGetIndexFilesAndSurviveRestart) {
  segment_bytes_ = 8192;
  Open();
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(Put(std::string(700, 'a' + i % 26), 1000 + i).ok());
  store_->Flush();
  int logs = 0, idx = 0;
  for (const auto& n : Files()) {
    if (segment::ParseSegmentFileName(n)) ++logs;
    if (segment::ParseIndexFileName(n)) ++idx;
  }
  EXPECT_GT(logs, 3);
  EXPECT_EQ(idx, logs - 1);  // every segment but the tail
  Open();
  auto all = All();
  ASSERT_EQ(all.size(), 40u);
  EXPECT_EQ(log_->OffsetForTimestamp(1020), 20u);
  EXPECT_EQ(log_->OffsetForTimestamp(0), 0u);
  EXPECT_EQ(log_->OffsetForTimestamp(5000), 40u);
}

// For every sync the log makes, crash right there: what survives is exactly the
// acknowledged prefix plus possibly unacknowledged records, never a hole or a duplicate.
TEST_F(DiskLogStoreTest, EveryCrashPointKeepsTheAcknowledgedPrefix) {
  segment_bytes_ = 16384;
  for (uint64_t crash_at = 0; crash_at < 40; ++crash_at) {
    SCOPED_TRACE("crash after sync " + std::to_string(crash_at));
    fs_ = FaultInjectingFileSystem();
    Open();
    fs_.FailSyncsAfter(crash_at);
    std::vector<std::string> acked;
    for (int i = 0; i < 60; ++i) {
      std::string d = "rec" + std::to_string(i) + std::string(300, 'x');
      RecordBatchBuilder b;
      b.AddRecord("k", d);
      auto r = AppendSync(*log_, b, 1000 + i);
      if (!r.ok()) break;
      EXPECT_EQ(r->first_offset, acked.size());
      acked.push_back(d);
    }
    if (crash_at % 2) {
      fs_.CrashKeepingTornPrefix(crash_at);
    } else {
      fs_.Crash();
    }
    fs_.ClearFaults();
    Open();
    auto all = All();
    ASSERT_GE(all.size(), acked.size());
    for (size_t i = 0; i < all.size(); ++i) {
      EXPECT_EQ(all[i].offset, i);
      if (i < acked.size()) { EXPECT_EQ(all[i].data, acked[i]); }
    }
    // The log accepts writes after recovery and continues the offsets.
    auto next = Put("again");
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    EXPECT_EQ(next->first_offset, all.size());
  }
}

// A data directory written before the journal existed has no manifest: the newest segment of
// each shard is scanned and a damaged tail is cut off.
TEST_F(DiskLogStoreTest, TornTailIsCutOffAndOverwritten) {
  Open();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Put("ok" + std::to_string(i)).ok());
  store_->Flush();
  log_.reset();
  store_.reset();
  ASSERT_TRUE(fs_.RemoveAll(std::string(kDir) + "/journal").ok());
  std::string seg = kShardDir + "/" + segment::SegmentFileName(0);
  auto bytes = fs_.ReadFileForTest(seg);
  ASSERT_TRUE(bytes.ok());
  // Damage the last frame's payload: its CRC fails, so it and anything after it is cut.
  size_t last_frame = 0;
  for (size_t pos = 0; pos < bytes->size();) {
    segment::FrameHeader h = segment::DecodeFrameHeader(bytes->data() + pos);
    if (h.length == 0) break;
    last_frame = pos;
    pos += h.length;
  }
  ASSERT_TRUE(fs_.Corrupt(seg, last_frame + segment::kFrameHeaderBytes + 2).ok());
  Open();
  auto all = All();
  ASSERT_EQ(all.size(), 9u);
  auto r = Put("new");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first_offset, 9u);
  Open();
  all = All();
  ASSERT_EQ(all.size(), 10u);
  EXPECT_EQ(all[9].data, "new#0");
}

TEST_F(DiskLogStoreTest, CorruptionInASealedSegmentIsAnErrorNotData) {
  segment_bytes_ = 8192;
  Open();
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(Put(std::string(600, 'a'), 1000 + i).ok());
  store_->Flush();
  std::string seg = kShardDir + "/" + segment::SegmentFileName(0);
  ASSERT_TRUE(fs_.Corrupt(seg, segment::kFrameHeaderBytes + 100).ok());
  Open();  // sealed segments are trusted through their index: no scan, no error at start
  std::vector<OwnedRecord> out;
  auto r = ReadAll(*log_, 0, {}, &out);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::kCorruption);
  EXPECT_NE(r.status().message().find("CRC"), std::string::npos) << r.status().message();
  EXPECT_TRUE(out.empty());
  // Records in later segments are still readable.
  out.clear();
  auto later = ReadAll(*log_, 20, {}, &out);
  ASSERT_TRUE(later.ok()) << later.status().ToString();
  EXPECT_EQ(out.size(), 10u);
}

// A frame whose CRC matches but whose records do not fill it (a writer bug, not media damage)
// is refused on read too: the reader's walk over the records is the payload check.
TEST_F(DiskLogStoreTest, FrameWithValidCrcButBadRecordsIsAnError) {
  segment_bytes_ = 8192;
  Open();
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(Put(std::string(600, 'a'), 1000 + i).ok());
  store_->Flush();
  std::string seg = kShardDir + "/" + segment::SegmentFileName(0);
  auto bytes = fs_.ReadFileForTest(seg);
  ASSERT_TRUE(bytes.ok());
  std::string file = *bytes;
  segment::FrameHeader h = segment::DecodeFrameHeader(file.data());
  // Shorten the first record's data length by one: the records no longer tile the payload.
  uint32_t dlen;
  std::memcpy(&dlen, file.data() + segment::kFrameHeaderBytes, 4);
  --dlen;
  std::memcpy(file.data() + segment::kFrameHeaderBytes, &dlen, 4);
  segment::SealFrame(file.data(), h.length);
  ASSERT_TRUE(fs_.WriteFileForTest(seg, file).ok());
  Open();
  std::vector<OwnedRecord> out;
  auto r = ReadAll(*log_, 0, {}, &out);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::kCorruption);
  EXPECT_NE(r.status().message().find("records do not fill the frame"), std::string::npos) << r.status().message();
}

TEST_F(DiskLogStoreTest, RetentionDeletesWholeSegmentsAndMovesTheHorizon) {
  segment_bytes_ = 8192;
  Open();
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(Put(std::string(700, 'r'), 1000 + i * 10).ok());
  store_->Flush();
  size_t files_before = Files().size();
  ASSERT_TRUE(log_->ExpireBefore(1200).ok());
  LogBounds b = log_->Bounds();
  EXPECT_GT(b.start_offset, 0u);
  EXPECT_LE(b.start_offset, 20u);  // whole segments only: nothing at or after the horizon goes
  EXPECT_LT(Files().size(), files_before);
  auto all = All();
  EXPECT_EQ(all.front().offset, b.start_offset);
  // Everything expired: the tail is sealed behind an empty segment, then freed too.
  ASSERT_TRUE(log_->ExpireBefore(100000).ok());
  store_->Flush();
  ASSERT_TRUE(log_->ExpireBefore(100000).ok());
  b = log_->Bounds();
  EXPECT_EQ(b.start_offset, 40u);
  EXPECT_EQ(b.end_offset, 40u);
  Open();
  EXPECT_EQ(log_->Bounds().start_offset, 40u);
  auto r = Put("x", 200000);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first_offset, 40u);
}

TEST_F(DiskLogStoreTest, DiskFullFailsWritesKeepsReadsAndRecovers) {
  Open();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Put("before").ok());
  store_->Flush();
  fs_.SetSpaceLimit(fs_.used_bytes());           // no growth possible
  auto failed = Put(std::string(3 << 20, 'z'));  // needs more zero-filled space
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), Errc::kUnavailable) << failed.status().ToString();
  EXPECT_EQ(All().size(), 5u);  // reads go on; nothing partial is visible
  auto during = Put("during");
  EXPECT_FALSE(during.ok());
  fs_.ClearFaults();
  auto after = PutAfterBackOff("after");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  auto all = All();
  EXPECT_EQ(all.back().data, "after#0");
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].offset, i);
}

TEST_F(DiskLogStoreTest, WriteErrorFailsTheRoundAndNothingIsPublished) {
  Open();
  ASSERT_TRUE(Put("one").ok());
  fs_.FailWritesAfter(0);
  auto r = Put("two");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::kIoError);
  EXPECT_EQ(log_->Bounds().end_offset, 1u);
  fs_.ClearFaults();
  auto ok = PutAfterBackOff("three");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->first_offset, 1u);
}

// A failed periodic fdatasync (durability interval) fails the shard like a failed commit: it
// refuses appends until it has re-run recovery after the back-off, then continues the offsets.
TEST_F(DiskLogStoreTest, FailedPeriodicSyncFailsTheShardUntilItRecovers) {
  durability_ = Durability::kInterval;
  Open();
  ASSERT_TRUE(Put("one").ok());
  fs_.FailSyncsAfter(0);
  clock_.Advance(Options().sync_interval_ms);
  store_->Flush();  // the periodic sync fails
  auto refused = Put("two");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Errc::kUnavailable) << refused.status().ToString();
  fs_.ClearFaults();
  auto ok = PutAfterBackOff("three");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->first_offset, 1u);
  EXPECT_EQ(All().size(), 2u);
}

// Appends staged while a commit's fdatasync is in progress all share the next one.
TEST_F(DiskLogStoreTest, GroupCommitSharesSyncs) {
  auto owned = std::make_unique<GatedSyncFileSystem>(&fs_);
  GatedSyncFileSystem& gated = *owned;
  wrapper_fs_ = std::move(owned);
  store_fs_ = wrapper_fs_.get();
  Open();
  ASSERT_TRUE(Put("first").ok());  // the segment exists: later commits sync data only
  uint64_t syncs_before = fs_.sync_calls();
  gated.Close();
  constexpr int kStaged = 100;
  std::vector<std::promise<Result<AppendResult>>> done(kStaged + 1);
  auto append = [&](int i) {
    RecordBatchBuilder b;
    b.AddRecord("k", "g" + std::to_string(i));
    log_->Append(b, 1000, [&done, i](Result<AppendResult> r) { done[i].set_value(std::move(r)); });
  };
  append(0);
  gated.WaitForBlockedSync();  // round 1 (append 0) is inside its fdatasync
  for (int i = 1; i <= kStaged; ++i) append(i);
  gated.OpenGate();
  for (int i = 0; i <= kStaged; ++i) {
    auto r = done[i].get_future().get();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->first_offset, uint64_t(i) + 1);
  }
  EXPECT_EQ(fs_.sync_calls() - syncs_before, 2u);  // round 1, then one round for all 100
}

TEST_F(DiskLogStoreTest, DirectIoWritesAreAligned) {
  // The fake enforces the O_DIRECT alignment rules; every append size must go through.
  Open();
  for (int n = 1; n < 9000; n += 997) ASSERT_TRUE(Put(std::string(n, 'd')).ok()) << n;
  Open();
  EXPECT_EQ(All().size(), 10u);
}

TEST_F(DiskLogStoreTest, DropStreamRemovesFilesAndListStreamsForgetsIt) {
  Open();
  ASSERT_TRUE(Put("x").ok());
  auto streams = store_->ListStreams();
  ASSERT_TRUE(streams.ok());
  EXPECT_EQ(*streams, std::vector<uint64_t>{42});
  ASSERT_TRUE(store_->DropStream(42).ok());
  EXPECT_FALSE(fs_.Exists(kShardDir));
  streams = store_->ListStreams();
  ASSERT_TRUE(streams.ok());
  EXPECT_TRUE(streams->empty());
  EXPECT_EQ(Put("y").status().code(), Errc::kNotFound);
}

TEST_F(DiskLogStoreTest, StaleFramesAfterTheTailAreCutOnRecoveryWithoutAManifest) {
  Open();
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(Put("s" + std::to_string(i)).ok());
  store_->Flush();
  log_.reset();
  store_.reset();
  ASSERT_TRUE(fs_.RemoveAll(std::string(kDir) + "/journal").ok());
  // Cut the log after the third frame by zeroing its header: frames 4..6 become stale bytes.
  std::string seg = kShardDir + "/" + segment::SegmentFileName(0);
  auto bytes = fs_.ReadFileForTest(seg);
  ASSERT_TRUE(bytes.ok());
  size_t pos = 0;
  for (int i = 0; i < 3; ++i) pos += segment::DecodeFrameHeader(bytes->data() + pos).length;
  uint32_t len = segment::DecodeFrameHeader(bytes->data() + pos).length;
  for (int b = 0; b < 4; ++b) ASSERT_TRUE(fs_.Corrupt(seg, pos + b, static_cast<uint8_t>(len >> (8 * b))).ok());
  Open();
  EXPECT_EQ(All().size(), 3u);
  auto after = fs_.ReadFileForTest(seg);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->size(), pos);  // the stale frames are gone: a later scan cannot take them for data
}

}  // namespace
}  // namespace sluice::storage
