#include "tools/log_tool.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <sstream>

#include "storage/frame_reader.h"
#include "storage/journal_format.h"
#include "storage/manifest.h"
#include "storage/record_batch.h"
#include "storage/segment_format.h"
#include "tools/test_segment.h"

namespace sluice::tools {
namespace {

namespace seg = storage::segment;
using testing::kArrival;
using testing::Segment;
constexpr uint64_t kStream = 0xabcdef0123456789;

class LogToolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sluice_log_tool_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs_->RemoveAll(dir_).IgnoreError(); }

  std::string ShardPath(uint32_t shard = 0) const {
    return dir_ + "/shards/" + seg::StreamDirName(kStream) + "/" + seg::ShardDirName(shard);
  }
  std::string LogPath(uint64_t first, uint32_t shard = 0) const {
    return ShardPath(shard) + "/" + seg::SegmentFileName(first);
  }
  void WriteFile(const std::string& path, std::string_view bytes) {
    auto file = fs_->Open(path, FileOptions{.create = true, .writable = true});
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    ASSERT_TRUE((*file)->Truncate(0).ok());
    ASSERT_TRUE((*file)->WriteAt(0, bytes.data(), bytes.size()).ok());
  }
  // zero_tail: pre-zeroed space after the data, as the writer leaves an active segment.
  void Write(const Segment& s, bool sealed, size_t zero_tail = 0, uint32_t shard = 0) {
    ASSERT_TRUE(fs_->CreateDirs(ShardPath(shard)).ok());
    WriteFile(LogPath(s.first, shard), s.bytes + std::string(zero_tail, '\0'));
    if (sealed) WriteFile(ShardPath(shard) + "/" + seg::IndexFileName(s.first), seg::EncodeIndex(s.index));
  }
  void Patch(const std::string& path, uint64_t pos, std::string_view bytes) {
    auto file = fs_->Open(path, FileOptions{.writable = true});
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->WriteAt(pos, bytes.data(), bytes.size()).ok());
  }
  // Three segments: two sealed, the last active with pre-zeroed space.
  void WriteCleanShard() {
    Write(Segment(0).Frames(3), true);
    Write(Segment(6).Frames(2), true);
    Write(Segment(10).Frames(2), false, 4096);
  }

  int Run(const std::vector<std::string>& args) {
    out_.str("");
    err_.str("");
    return RunLogCommand(fs_, args, out_, err_);
  }
  int Verify() { return Run({"verify", "--data-dir", dir_}); }

  FileSystem* fs_ = DefaultFileSystem();
  std::string dir_;
  std::ostringstream out_, err_;
};

TEST_F(LogToolTest, CleanDataVerifies) {
  WriteCleanShard();
  Write(Segment(100).Frames(1), false, 100, /*shard=*/1);  // a gap before the first segment is retention
  EXPECT_EQ(Verify(), kExitClean) << out_.str();
  EXPECT_NE(out_.str().find("shards=2 segments=4 frames=8 records=16 "), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("problems=0 (errors=0 warnings=0)"), std::string::npos);
}

TEST_F(LogToolTest, FlippedByteIsACrcErrorAtItsFrame) {
  Segment s(0);
  s.Frames(4);
  Write(s, true);
  Write(Segment(8).Frames(1), false, 64);
  Patch(LogPath(0), s.frame_pos[2] + seg::kFrameHeaderBytes + 3, "\x7f");
  EXPECT_EQ(Verify(), kExitProblems);
  EXPECT_NE(out_.str().find("error: " + LogPath(0) + ": pos " + std::to_string(s.frame_pos[2]) +
                            ": offset 4: CRC mismatch\n"),
            std::string::npos)
      << out_.str();
  // The damaged frame is stepped over: the frames after it and the next segment still count.
  EXPECT_NE(out_.str().find("segments=2 frames=4 records=8 "), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("errors=1 warnings=0"), std::string::npos) << out_.str();
}

TEST_F(LogToolTest, TornTailIsReported) {
  Segment s(0);
  s.Frames(3);
  Write(s, false);
  std::string torn = s.bytes.substr(0, s.bytes.size() - 5);
  WriteFile(LogPath(0), torn);
  EXPECT_EQ(Verify(), kExitProblems);
  EXPECT_NE(out_.str().find(": pos " + std::to_string(s.frame_pos[2]) + ": offset 4: truncated frame ("),
            std::string::npos)
      << out_.str();
}

TEST_F(LogToolTest, TornTailInPreZeroedSpaceIsACrcError) {
  Segment s(0);
  s.Frames(3);
  std::string bytes = s.bytes;
  bytes.replace(bytes.size() - 4, 4, 4, '\0');  // the last block of the frame never reached disk
  Write(Segment(0), false);
  WriteFile(LogPath(0), bytes + std::string(512, '\0'));
  EXPECT_EQ(Verify(), kExitProblems);
  EXPECT_NE(out_.str().find(": pos " + std::to_string(s.frame_pos[2]) + ": offset 4: CRC mismatch"), std::string::npos)
      << out_.str();
}

TEST_F(LogToolTest, OffsetGapBetweenSegments) {
  Write(Segment(0).Frames(2), true);  // offsets 0..3
  Write(Segment(7).Frames(1), false, 32);
  EXPECT_EQ(Verify(), kExitProblems);
  EXPECT_NE(out_.str().find("error: " + LogPath(7) +
                            ": pos 0: offset 7: offset gap between segments (previous segment ends at offset 4)"),
            std::string::npos)
      << out_.str();
}

TEST_F(LogToolTest, SegmentNameMustMatchItsFirstFrame) {
  Segment s(5);
  s.Frames(1);
  Write(s, false);
  fs_->Rename(LogPath(5), LogPath(4)).IgnoreError();
  EXPECT_EQ(Verify(), kExitProblems);
  EXPECT_NE(out_.str().find("pos 0: offset 4: unexpected first offset (frame says 5)"), std::string::npos)
      << out_.str();
}

TEST_F(LogToolTest, CorruptIndexFile) {
  WriteCleanShard();
  Patch(ShardPath() + "/" + seg::IndexFileName(6), 20, "\x01");
  EXPECT_EQ(Verify(), kExitProblems);
  EXPECT_NE(out_.str().find("error: " + ShardPath() + "/" + seg::IndexFileName(6) +
                            ": pos 0: offset 6: bad index (not a complete, intact index file)"),
            std::string::npos)
      << out_.str();
}

TEST_F(LogToolTest, IndexThatDisagreesWithItsSegment) {
  Segment s(0);
  s.Frames(3);
  s.index.entries[1].position += 1;
  s.index.entries[2].arrival_ms += 1;
  s.index.end_offset += 1;
  s.index.data_bytes -= 1;
  s.index.last_arrival_ms += 2;
  Write(s, true);
  Write(Segment(6), false, 64);
  EXPECT_EQ(Verify(), kExitProblems);
  const std::string& o = out_.str();
  EXPECT_NE(o.find(": pos 72: offset 2: bad index (entry points at position " + std::to_string(s.frame_pos[1] + 1) +
                   ", not at a frame start)"),
            std::string::npos)
      << o;
  EXPECT_NE(
      o.find("offset 4: bad index (entry for position " + std::to_string(s.frame_pos[2]) + " disagrees with the frame"),
      std::string::npos)
      << o;
  EXPECT_NE(o.find("end_offset does not match the segment, whose data ends at offset 6"), std::string::npos) << o;
  EXPECT_NE(o.find("data_bytes " + std::to_string(s.bytes.size() - 1)), std::string::npos) << o;
  EXPECT_NE(o.find("last_arrival_ms"), std::string::npos) << o;
  // The next segment starts at 6 as the frames (not the index) say: no gap reported.
  EXPECT_EQ(o.find("offset gap"), std::string::npos) << o;
  EXPECT_NE(o.find("errors=5 warnings=0"), std::string::npos) << o;
}

TEST_F(LogToolTest, StaleBytesAfterTheEnd) {
  Segment first(0), last(4);
  first.Frames(2);
  last.Frames(1);
  Write(first, true);
  Write(last, false, 256);
  Patch(LogPath(4), last.bytes.size() + 100, "junk");
  EXPECT_EQ(Verify(), kExitClean) << "a warning only, in the last segment: " << out_.str();
  EXPECT_NE(out_.str().find("warning: " + LogPath(4) + ": pos " + std::to_string(last.bytes.size() + 100) +
                            ": offset 6: stale bytes after end of data"),
            std::string::npos)
      << out_.str();

  WriteFile(LogPath(0), first.bytes + std::string(10, '\0') + "x");
  EXPECT_EQ(Verify(), kExitProblems);
  EXPECT_NE(out_.str().find("error: " + LogPath(0) + ": pos " + std::to_string(first.bytes.size() + 10) +
                            ": offset 4: stale bytes after end of data"),
            std::string::npos)
      << out_.str();
}

TEST_F(LogToolTest, SealedSegmentLongerThanItsData) {
  Segment s(0);
  s.Frames(2);
  Write(s, true, 4096);
  Write(Segment(4), false, 64);
  EXPECT_EQ(Verify(), kExitClean) << out_.str();
  EXPECT_NE(out_.str().find("warning: " + LogPath(0) + ": pos " + std::to_string(s.bytes.size()) +
                            ": offset 4: sealed segment is longer than its data"),
            std::string::npos)
      << out_.str();
}

TEST_F(LogToolTest, FewZeroBytesAtTheEndOfAFileAreNotATornFrame) {
  Segment s(0);
  s.Frames(1);
  Write(s, false, 3);
  EXPECT_EQ(Verify(), kExitClean) << out_.str();
}

TEST_F(LogToolTest, StreamAndShardFilters) {
  WriteCleanShard();
  Write(Segment(0).Frames(1), false, 0, /*shard=*/3);
  EXPECT_EQ(Run({"verify", "--data-dir", dir_, "--stream", seg::StreamDirName(kStream), "--shard", "3"}), kExitClean);
  EXPECT_NE(out_.str().find("shards=1 segments=1 frames=1 "), std::string::npos) << out_.str();
  EXPECT_EQ(Run({"verify", "--data-dir", dir_, "--stream", "1"}), kExitProblems);
  EXPECT_NE(err_.str().find("no such stream"), std::string::npos);
}

TEST_F(LogToolTest, DumpPrintsSegmentsFramesAndRecords) {
  Segment s(0);
  s.Frame({{"pk", "hello"}, {"p\"k", std::string("\x00\x01\xff", 3)}});
  s.Frame({{"a", std::string(40, 'z')}}, kArrival + 1500);
  Write(s, true);
  EXPECT_EQ(Run({"dump", "--data-dir", dir_, "--records"}), kExitClean);
  const std::string& o = out_.str();
  EXPECT_NE(o.find("shard " + seg::StreamDirName(kStream) + "/000000 "), std::string::npos) << o;
  EXPECT_NE(o.find("segment " + LogPath(0) + " first_offset=0 size=" + std::to_string(s.bytes.size()) +
                   " index=ok entries=2 end_offset=3"),
            std::string::npos)
      << o;
  EXPECT_NE(o.find("  frame pos=0 len=" + std::to_string(s.frame_pos[1]) +
                   " first_offset=0 count=2 arrival=1700000000000 (2023-11-14T22:13:20.000Z) crc=ok\n"),
            std::string::npos)
      << o;
  EXPECT_NE(o.find("    record offset=0 key=\"pk\" size=5 text=\"hello\"\n"), std::string::npos) << o;
  EXPECT_NE(o.find("    record offset=1 key=\"p\\\"k\" size=3 hex=0001ff\n"), std::string::npos) << o;
  EXPECT_NE(o.find("arrival=1700000001500 (2023-11-14T22:13:21.500Z)"), std::string::npos) << o;
  EXPECT_NE(o.find("size=40 text=\"" + std::string(32, 'z') + "\"...\n"), std::string::npos) << o;
  EXPECT_NE(o.find("  end of data pos=" + std::to_string(s.bytes.size()) + " next_offset=3\n"), std::string::npos) << o;
}

TEST_F(LogToolTest, DumpFromOffsetWithLimit) {
  WriteCleanShard();
  EXPECT_EQ(Run({"dump", "--data-dir", dir_, "--records", "--from-offset", "7", "--limit", "4"}), kExitClean);
  const std::string& o = out_.str();
  EXPECT_EQ(o.find("first_offset=0 "), std::string::npos) << "the first segment lies below 7: " << o;
  EXPECT_EQ(o.find("record offset=6 "), std::string::npos) << o;
  for (int off = 7; off <= 10; ++off)
    EXPECT_NE(o.find("record offset=" + std::to_string(off) + " "), std::string::npos) << o;
  EXPECT_EQ(o.find("record offset=11 "), std::string::npos) << o;

  EXPECT_EQ(Run({"dump", "--data-dir", dir_, "--limit", "2"}), kExitClean);
  EXPECT_NE(out_.str().find("first_offset=2 count=2"), std::string::npos) << out_.str();
  EXPECT_EQ(out_.str().find("first_offset=4 count=2"), std::string::npos) << out_.str();
}

TEST_F(LogToolTest, DumpShowsDamagedFrames) {
  Segment s(0);
  s.Frames(2);
  Write(s, false, 64);
  Patch(LogPath(0), s.frame_pos[1] + seg::kFrameHeaderBytes, "\x7f");
  EXPECT_EQ(Run({"dump", "--data-dir", dir_, "--records"}), kExitClean);
  EXPECT_NE(out_.str().find("pos=" + std::to_string(s.frame_pos[1]) + " len="), std::string::npos);
  EXPECT_NE(out_.str().find("crc=CRC mismatch\n"), std::string::npos) << out_.str();
  EXPECT_EQ(out_.str().find("record offset=2 "), std::string::npos) << "damaged records are not shown";
}

TEST_F(LogToolTest, UsageErrors) {
  EXPECT_EQ(Run({}), kExitUsage);
  EXPECT_EQ(Run({"frobnicate"}), kExitUsage);
  EXPECT_EQ(Run({"verify"}), kExitUsage);
  EXPECT_EQ(Run({"verify", "--data-dir", dir_, "--records"}), kExitUsage);
  EXPECT_EQ(Run({"dump", "--data-dir", dir_, "--limit", "x"}), kExitUsage);
  EXPECT_EQ(Run({"dump", "--data-dir=" + dir_, "--shard"}), kExitUsage);
  EXPECT_EQ(Run({"verify", "--data-dir", dir_, "--stream", "xyz"}), kExitUsage);
  EXPECT_EQ(Run({"dump", "--help"}), kExitClean);
  EXPECT_NE(out_.str().find("Usage: sluice log"), std::string::npos);
  EXPECT_EQ(Run({"verify", "--data-dir", dir_ + "/missing"}), kExitProblems);
}

// `sluice log --help` (main passes what follows "log") prints the usage, and only the usage.
TEST_F(LogToolTest, HelpGoesToStdout) {
  for (const char* help : {"--help", "-h", "help"}) {
    EXPECT_EQ(Run({help}), kExitClean) << help;
    EXPECT_EQ(out_.str().rfind("Usage: sluice log <verify|dump> --data-dir DIR [flags]\n", 0), 0u) << help;
    EXPECT_NE(out_.str().find("  --limit K "), std::string::npos) << help;
    EXPECT_EQ(err_.str(), "") << help;
  }
  EXPECT_EQ(Run({}), kExitUsage);
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(err_.str().rfind("Usage: sluice log", 0), 0u) << err_.str();
}

TEST_F(LogToolTest, ProgressGoesToStderr) {
  WriteCleanShard();
  LogToolOptions options;
  options.data_dir = dir_;
  options.progress_every = 100;
  EXPECT_EQ(VerifyLog(fs_, options, out_, err_), kExitClean);
  EXPECT_NE(err_.str().find("MiB read"), std::string::npos);
}

// Frames larger than the read chunk and chunk boundaries inside headers.
TEST_F(LogToolTest, ScannerWithTinyChunks) {
  Segment s(0);
  s.Frames(5);
  s.Frame({{"big", std::string(1000, 'b')}});
  Write(s, false, 7);
  auto file = fs_->Open(LogPath(0), FileOptions{});
  ASSERT_TRUE(file.ok());
  for (size_t chunk : {1, 7, 33, 64, 4096}) {
    seg::FrameReader reader(file->get(), 0, s.bytes.size() + 7, chunk);
    uint64_t frames = 0;
    const seg::WalkOptions walk{.step_over_damage = true, .find_stale = true};
    auto end = seg::WalkSegment(reader, uint64_t{0}, walk, [&](const seg::ScannedFrame& f, std::optional<uint64_t>) {
      EXPECT_EQ(f.check, seg::FrameCheck::kOk) << "chunk " << chunk;
      EXPECT_EQ(f.pos, s.frame_pos[frames]);
      ++frames;
      return true;
    });
    ASSERT_TRUE(end.ok());
    EXPECT_EQ(frames, 6u);
    EXPECT_EQ(end->data_end, s.bytes.size());
    EXPECT_EQ(end->next_offset, 11u);
    EXPECT_FALSE(end->stale.has_value());
    EXPECT_EQ(end->log.end_position, s.bytes.size());
    EXPECT_EQ(end->log.stop, seg::FrameCheck::kEnd);
  }
}

// The journal layout: <data-dir>/shards/journal holds the manifest and the journal files.
class JournalLayoutTest : public LogToolTest {
 protected:
  std::string JournalDir() const { return dir_ + "/shards/journal"; }
  std::string JournalPath(uint64_t n) const { return JournalDir() + "/" + storage::journal::FileName(n); }
  // One frame of two records starting at `first`, as a journal entry of file n.
  static std::string Entry(uint64_t n, uint32_t shard, uint64_t first) {
    std::string entry(storage::journal::kEntryHeaderBytes, '\0');
    entry += Segment(first).Frames(1).bytes;
    storage::journal::EncodeFrameEntry(n, kStream, shard, entry.data());
    return entry;
  }
  static std::string NextFile(uint64_t n) {
    std::string entry(storage::journal::kEntryHeaderBytes, '\0');
    storage::journal::EncodeNextFileEntry(n, entry.data());
    return entry;
  }
  static std::string Header(uint64_t n) {
    std::string h(storage::journal::kFileHeaderBytes, '\0');
    storage::journal::EncodeFileHeader(n, h.data());
    return h;
  }
  void WriteManifest(const storage::manifest::Manifest& m) {
    auto w = storage::manifest::ManifestWriter::Create(fs_, JournalDir(), m, 0);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
  }
  // Shard 0: [0, 6) sealed, [6, 10) active as the manifest records it, with a torn frame of an
  // interrupted checkpoint after its data_bytes. The journal from replay_from repeats [8, 10)
  // and adds [10, 16) over two files; shard 1 exists only in the journal (a dropped stream).
  void WriteStore() {
    Write(Segment(0).Frames(3), true);
    Segment active(6);
    active.Frames(2);
    Write(active, false);
    WriteFile(LogPath(6), active.bytes + Segment(10).Frames(1).bytes.substr(0, 20));
    ASSERT_TRUE(fs_->CreateDirs(JournalDir()).ok());
    storage::manifest::Manifest m;
    m.replay_from = {1, storage::journal::kFileHeaderBytes};
    m.shards[{kStream, 0}] = {.stream_uid = kStream,
                              .shard_index = 0,
                              .segment_first_offset = 6,
                              .data_bytes = active.bytes.size(),
                              .end_offset = 10,
                              .first_arrival_ms = kArrival,
                              .last_arrival_ms = kArrival,
                              .index = active.index.entries};
    WriteManifest(m);
    WriteFile(JournalPath(1), Header(1) + Entry(1, 0, 8) + Entry(1, 0, 10) + Entry(1, 0, 12) + NextFile(1));
    WriteFile(JournalPath(2), Header(2) + Entry(2, 0, 14) + Entry(2, 1, 0) + std::string(4096, '\0'));
  }
};

TEST_F(JournalLayoutTest, VerifyChecksTheManifestAndTheJournal) {
  WriteStore();
  EXPECT_EQ(Verify(), kExitClean) << out_.str();
  const std::string& o = out_.str();
  EXPECT_NE(
      o.find("manifest: " + JournalDir() + "/MANIFEST-00000000000000000001 records=1 replay_from=1:4096 shards=1\n"),
      std::string::npos)
      << o;
  const uint64_t end2 = storage::journal::kFileHeaderBytes + 2 * Entry(2, 0, 14).size();
  EXPECT_NE(o.find("journal: from 1:4096 to 2:" + std::to_string(end2) + " (end of data) files=2 entries=5 "),
            std::string::npos)
      << o;
  EXPECT_NE(o.find("journal: shard " + seg::StreamDirName(kStream) + "/000000 entries=4 records=8 offsets [8, 16)\n"),
            std::string::npos)
      << o;
  EXPECT_NE(o.find("shard " + seg::StreamDirName(kStream) +
                   "/000000: recovery keeps offsets [0, 16); journal replay adds [10, 16)\n"),
            std::string::npos)
      << o;
  EXPECT_NE(o.find("shard " + seg::StreamDirName(kStream) +
                   "/000001: 1 journal entries but no directory (a dropped stream): recovery skips them\n"),
            std::string::npos)
      << o;
  EXPECT_NE(o.find("problems=0"), std::string::npos) << o;
}

TEST_F(JournalLayoutTest, VerifyFindsWhereTheLayoutDisagrees) {
  WriteStore();
  // The active segment lost its last frame; the journal skips [16, 18) for shard 0; a later
  // journal file holds entries the journal's end hides; the manifest has a torn append.
  Segment active(6);
  active.Frames(2);
  WriteFile(LogPath(6), active.bytes.substr(0, active.frame_pos[1]));
  WriteFile(JournalPath(2), Header(2) + Entry(2, 0, 14) + Entry(2, 0, 18));
  WriteFile(JournalPath(4), Header(4) + Entry(4, 0, 20));
  const std::string manifest_path = JournalDir() + "/" + storage::manifest::FileName(1);
  auto file = fs_->Open(manifest_path, FileOptions{.writable = true});
  ASSERT_TRUE(file.ok());
  const uint64_t size = *(*file)->Size();
  ASSERT_TRUE((*file)->WriteAt(size, "\x40\x00\x00\x00torn", 8).ok());
  EXPECT_EQ(Verify(), kExitProblems);
  const std::string& o = out_.str();
  EXPECT_NE(o.find("error: " + LogPath(6) + ": pos " + std::to_string(active.frame_pos[1]) +
                   ": offset ?: segment is shorter than the manifest says"),
            std::string::npos)
      << o;
  EXPECT_NE(o.find("offset 18: journal does not continue the shard (shard " + seg::StreamDirName(kStream) +
                   "/000000 is at offset 16; replay skips the frame)"),
            std::string::npos)
      << o;
  EXPECT_NE(o.find("error: " + JournalPath(4) + ": pos 4096: offset ?: journal file beyond the journal's end"),
            std::string::npos)
      << o;
  EXPECT_NE(o.find("warning: " + manifest_path + ": pos " + std::to_string(size) +
                   ": offset ?: torn record after the last intact one"),
            std::string::npos)
      << o;
  EXPECT_NE(o.find("recovery keeps offsets [0, 16)"), std::string::npos) << o;
}

TEST_F(JournalLayoutTest, VerifyReportsATornJournalEndAndAMissingActiveSegment) {
  WriteStore();
  std::string two = Header(2) + Entry(2, 0, 14);
  WriteFile(JournalPath(2), two + Entry(2, 1, 0).substr(0, 50));
  ASSERT_TRUE(fs_->RemoveFile(LogPath(6)).ok());
  EXPECT_EQ(Verify(), kExitProblems);
  const std::string& o = out_.str();
  EXPECT_NE(o.find("warning: " + JournalPath(2) + ": pos " + std::to_string(two.size()) +
                   ": offset ?: journal ends at a torn or damaged entry (truncated entry)"),
            std::string::npos)
      << o;
  EXPECT_NE(o.find("the manifest's active segment is missing"), std::string::npos) << o;
}

TEST_F(JournalLayoutTest, DumpPrintsTheManifestAndJournalEntries) {
  WriteStore();
  EXPECT_EQ(Run({"dump", "--data-dir", dir_, "--shard", "0"}), kExitClean) << err_.str();
  const std::string& o = out_.str();
  EXPECT_NE(o.find("manifest " + JournalDir() + "/MANIFEST-00000000000000000001 replay_from=1:4096 shards=1\n"),
            std::string::npos)
      << o;
  EXPECT_NE(o.find("  shard " + seg::StreamDirName(kStream) + "/000000 segment=6 data_bytes="), std::string::npos) << o;
  EXPECT_NE(o.find(" end_offset=10 arrival=1700000000000..1700000000000 index=2\n"), std::string::npos) << o;
  EXPECT_NE(o.find("  entry file=1 pos=4096 stream=" + seg::StreamDirName(kStream) +
                   " shard=000000 first_offset=8 count=2 arrival=1700000000000 (2023-11-14T22:13:20.000Z) len="),
            std::string::npos)
      << o;
  EXPECT_NE(o.find("  entry file=2 pos=4096 "), std::string::npos) << o;
  EXPECT_EQ(o.find(" shard=000001 "), std::string::npos) << "filtered out: " << o;
  EXPECT_NE(o.find("  journal from 1:4096 ends at 2:"), std::string::npos) << o;

  EXPECT_EQ(Run({"dump", "--data-dir", dir_, "--records", "--from-offset", "11", "--limit", "3"}), kExitClean);
  EXPECT_EQ(out_.str().find("first_offset=8 count=2 arrival=1700000000000 (2023-11-14T22:13:20.000Z) len"),
            std::string::npos)
      << out_.str();
  EXPECT_NE(out_.str().find("    record offset=11 key=\"k\""), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("    record offset=13 "), std::string::npos) << out_.str();
}

}  // namespace
}  // namespace sluice::tools
