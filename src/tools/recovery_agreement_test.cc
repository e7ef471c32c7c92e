// Recovery (a DiskLogStore opened over the files) and `sluice log verify` agree on where each
// damaged log ends and what is kept: both decide by storage's one frame reader and file listing.
#include <gtest/gtest.h>

#include <functional>
#include <regex>
#include <sstream>
#include <string>

#include "base/clock.h"
#include "base/fault_injecting_file_system.h"
#include "storage/disk_log_store.h"
#include "storage/journal_format.h"
#include "storage/manifest.h"
#include "storage/storage_test_util.h"
#include "tools/log_tool.h"
#include "tools/test_segment.h"

namespace sluice::tools {
namespace {

namespace seg = storage::segment;
using testing::Segment;

constexpr char kDataDir[] = "/data";
constexpr uint64_t kStream = 0x1234;

std::string ShardDir() { return std::string(kDataDir) + "/shards/" + seg::StreamDirName(kStream) + "/000000"; }
std::string LogPath(uint64_t first) { return ShardDir() + "/" + seg::SegmentFileName(first); }
std::string IdxPath(uint64_t first) { return ShardDir() + "/" + seg::IndexFileName(first); }

// Three segments: [0, 6) and [6, 10) sealed with their indexes, [10, 14) active with zeroed
// space after its data. Frames hold two records each.
struct Files {
  Segment a = Segment(0).Frames(3);
  Segment b = Segment(6).Frames(2);
  Segment c = Segment(10).Frames(2);
  std::string a_log = a.bytes, b_log = b.bytes, c_log = c.bytes + std::string(4096, '\0');
  std::string a_idx = seg::EncodeIndex(a.index), b_idx = seg::EncodeIndex(b.index);
  uint64_t c_first = 10;
  bool write_b_idx = true;
  // The journal layout: a manifest naming the active segment (its data_bytes and end_offset),
  // and journal entries (first offset of a two-record frame each) from its replay_from.
  std::optional<std::pair<uint64_t, uint64_t>> manifest;  // data_bytes, end_offset of [10, ...)
  std::vector<uint64_t> journal;
};

struct Case {
  std::string name;
  std::function<void(Files&)> damage;
  uint64_t kept_start = 0;
  uint64_t kept_end = 0;
};

void Flip(std::string* bytes, size_t at) { (*bytes)[at] = static_cast<char>((*bytes)[at] ^ 0x5a); }

class RecoveryAgreementTest : public ::testing::TestWithParam<Case> {};

TEST_P(RecoveryAgreementTest, VerifyAndRecoveryKeepTheSameOffsets) {
  const Case& c = GetParam();
  Files f;
  c.damage(f);
  FaultInjectingFileSystem fs;
  ASSERT_TRUE(fs.CreateDirs(ShardDir()).ok());
  ASSERT_TRUE(fs.WriteFileForTest(LogPath(0), f.a_log).ok());
  ASSERT_TRUE(fs.WriteFileForTest(IdxPath(0), f.a_idx).ok());
  ASSERT_TRUE(fs.WriteFileForTest(LogPath(6), f.b_log).ok());
  if (f.write_b_idx) { ASSERT_TRUE(fs.WriteFileForTest(IdxPath(6), f.b_idx).ok()); }
  ASSERT_TRUE(fs.WriteFileForTest(LogPath(f.c_first), f.c_log).ok());
  const std::string jdir = std::string(kDataDir) + "/shards/journal";
  if (f.manifest) {
    ASSERT_TRUE(fs.CreateDirs(jdir).ok());
    storage::manifest::Manifest m;
    m.replay_from = {1, storage::journal::kFileHeaderBytes};
    storage::manifest::ShardState& st = m.shards[{kStream, 0}];
    st = {.stream_uid = kStream,
          .shard_index = 0,
          .segment_first_offset = 10,
          .data_bytes = f.manifest->first,
          .end_offset = f.manifest->second,
          .first_arrival_ms = testing::kArrival,
          .last_arrival_ms = testing::kArrival,
          .index = {}};
    for (const auto& e : f.c.index.entries) {
      if (e.position < st.data_bytes) st.index.push_back(e);
    }
    ASSERT_TRUE(storage::manifest::ManifestWriter::Create(&fs, jdir, m, 0).ok());
  }
  if (!f.journal.empty()) {
    std::string file(storage::journal::kFileHeaderBytes, '\0');
    storage::journal::EncodeFileHeader(1, file.data());
    for (uint64_t first : f.journal) {
      std::string entry(storage::journal::kEntryHeaderBytes, '\0');
      entry += Segment(first).Frames(1).bytes;
      storage::journal::EncodeFrameEntry(1, kStream, 0, entry.data());
      file += entry;
    }
    ASSERT_TRUE(fs.CreateDirs(jdir).ok());
    ASSERT_TRUE(fs.WriteFileForTest(jdir + "/" + storage::journal::FileName(1), file).ok());
  }

  // The tool first: recovery repairs files.
  std::ostringstream out, err;
  LogToolOptions options;
  options.data_dir = kDataDir;
  VerifyLog(&fs, options, out, err);
  std::smatch m;
  const std::string report = out.str();
  ASSERT_TRUE(std::regex_search(report, m, std::regex(R"(recovery keeps offsets \[(\d+), (\d+)\))"))) << report;
  const uint64_t verify_start = std::stoull(m[1]);
  const uint64_t verify_end = std::stoull(m[2]);

  storage::DiskLogStoreOptions store_options;
  store_options.dir = std::string(kDataDir) + "/shards";
  store_options.direct_io = false;
  auto store = storage::OpenDiskLogStore(&fs, store_options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto log = (*store)->OpenShard({kStream, 0});
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  const storage::LogBounds bounds = (*log)->Bounds();

  EXPECT_EQ(bounds.start_offset, verify_start) << report;
  EXPECT_EQ(bounds.end_offset, verify_end) << report;
  EXPECT_EQ(verify_start, c.kept_start) << report;
  EXPECT_EQ(verify_end, c.kept_end) << report;
}

const size_t kHeader = seg::kFrameHeaderBytes;

INSTANTIATE_TEST_SUITE_P(
    DamagedFiles, RecoveryAgreementTest,
    ::testing::Values(
        Case{"Clean", [](Files&) {}, 0, 14},
        Case{"TruncatedLastFrame", [](Files& f) { f.c_log = f.c.bytes.substr(0, f.c.bytes.size() - 5); }, 0, 12},
        Case{"TornLastFrameInZeroedSpace", [](Files& f) { f.c_log.replace(f.c.bytes.size() - 4, 4, 4, '\0'); }, 0, 12},
        Case{"BadCrcMidActiveSegment", [](Files& f) { Flip(&f.c_log, kHeader + 3); }, 0, 10},
        Case{"BadCrcInLastFrame", [](Files& f) { Flip(&f.c_log, f.c.frame_pos[1] + kHeader + 1); }, 0, 12},
        Case{"ZeroLengthMidSegment", [](Files& f) { f.c_log.replace(f.c.frame_pos[1], 4, 4, '\0'); }, 0, 12},
        Case{"StaleBytesAfterEndMarker", [](Files& f) { f.c_log.replace(f.c.bytes.size() + 100, 4, "junk"); }, 0, 14},
        Case{"NonZeroBytesTooShortForAFrame", [](Files& f) { f.c_log = f.c.bytes + "\x01\x02"; }, 0, 14},
        Case{"HeaderGarbage", [](Files& f) { f.c_log.replace(28, 2, "\x77\x77"); }, 0, 10},
        Case{"DamagedIndexOfACleanSegment", [](Files& f) { Flip(&f.b_idx, 20); }, 0, 14},
        Case{"MissingIndex", [](Files& f) { f.write_b_idx = false; }, 0, 14},
        Case{"BadCrcInASealedSegmentWithoutIndex",
             [](Files& f) {
               f.write_b_idx = false;
               Flip(&f.b_log, f.b.frame_pos[1] + kHeader + 2);
             },
             0, 8},
        Case{"BadCrcInASealedSegmentWithATrustedIndex", [](Files& f) { Flip(&f.a_log, f.a.frame_pos[1] + kHeader); }, 0,
             14},
        Case{"GapInOffsets",
             [](Files& f) {
               f.c = Segment(12).Frames(2);
               f.c_log = f.c.bytes;
               f.c_first = 12;
             },
             0, 10},
        Case{"EmptyActiveSegment", [](Files& f) { f.c_log.clear(); }, 0, 10},
        // With a manifest the active segment ends where it says, whatever follows.
        Case{"ManifestEndsTheActiveSegment",
             [](Files& f) {
               f.manifest = {{f.c.bytes.size(), 14}};
               f.c_log = f.c.bytes + Segment(14).Frames(1).bytes.substr(0, 30);
             },
             0, 14},
        Case{"ManifestBeforeTheLastFrame",
             [](Files& f) {
               f.manifest = {{f.c.frame_pos[1], 12}};
             },
             0, 12},
        Case{"JournalContinuesTheManifest",
             [](Files& f) {
               f.manifest = {{f.c.frame_pos[1], 12}};
               f.journal = {12, 14, 16};
             },
             0, 18},
        Case{"JournalRepeatsCheckpointedFrames",
             [](Files& f) {
               f.manifest = {{f.c.bytes.size(), 14}};
               f.journal = {10, 12, 14};
             },
             0, 16},
        Case{"JournalFrameThatSkipsAheadIsNotReplayed",
             [](Files& f) {
               f.manifest = {{f.c.bytes.size(), 14}};
               f.journal = {14, 18, 16};
             },
             0, 18},
        Case{"JournalWithoutAManifest",
             [](Files& f) {
               f.journal = {14, 16};
             },
             0, 18}),
    [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

}  // namespace
}  // namespace sluice::tools

namespace sluice::tools {
namespace {

// The engine's own files: acknowledged appends, a checkpoint, more appends only in the journal,
// then power loss. verify must find nothing wrong and name the offsets recovery then keeps.
TEST(RecoveryAgreementEngineTest, AfterACrashVerifyNamesWhatRecoveryKeeps) {
  FaultInjectingFileSystem fs;
  ManualClock clock;
  storage::DiskLogStoreOptions o;
  o.dir = std::string(kDataDir) + "/shards";
  o.direct_io = false;
  o.segment_bytes = 4096;  // several sealed segments per shard
  o.index_interval_bytes = 512;
  o.journal_file_bytes = storage::kMinJournalFileBytes;
  o.clock = &clock;
  constexpr uint32_t kShards = 3;
  std::vector<uint64_t> acked(kShards, 0);
  {
    auto store = storage::OpenDiskLogStore(&fs, o);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    std::vector<std::shared_ptr<storage::ShardLog>> logs;
    for (uint32_t s = 0; s < kShards; ++s) logs.push_back(*(*store)->OpenShard({kStream, s}));
    auto put = [&](int rounds) {
      for (int r = 0; r < rounds; ++r) {
        for (uint32_t s = 0; s < kShards; ++s) {
          storage::RecordBatchBuilder b;
          for (int i = 0; i < 3; ++i) b.AddRecord("k", std::string(300, static_cast<char>('a' + s)));
          auto res = storage::testing::AppendSync(*logs[s], b, 1000 + r);
          ASSERT_TRUE(res.ok()) << res.status().ToString();
          acked[s] = res->first_offset + 3;
        }
      }
    };
    put(12);
    ASSERT_TRUE((*store)->Checkpoint().ok());
    put(5);  // only in the journal
    fs.Crash();
    logs.clear();
  }
  std::ostringstream out, err;
  LogToolOptions options;
  options.data_dir = kDataDir;
  EXPECT_EQ(VerifyLog(&fs, options, out, err), kExitClean) << out.str() << err.str();
  const std::string report = out.str();
  EXPECT_NE(report.find("manifest: "), std::string::npos) << report;

  auto store = storage::OpenDiskLogStore(&fs, o);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  for (uint32_t s = 0; s < kShards; ++s) {
    const std::string line = "shard " + seg::StreamDirName(kStream) + "/" + seg::ShardDirName(s) +
                             ": recovery keeps offsets [0, " + std::to_string(acked[s]) + ")";
    EXPECT_NE(report.find(line), std::string::npos) << line << "\n" << report;
    EXPECT_EQ((*(*store)->OpenShard({kStream, s}))->Bounds().end_offset, acked[s]);
  }
}

}  // namespace
}  // namespace sluice::tools
