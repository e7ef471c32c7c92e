// The manifest's records, how they fold, and the writer's crash safety.
#include "storage/manifest.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "base/fault_injecting_file_system.h"

namespace sluice::storage::manifest {
namespace {

constexpr char kDir[] = "/store/journal";

ShardState State(uint64_t uid, uint32_t shard, uint64_t first, uint64_t end, size_t index_entries) {
  ShardState s{.stream_uid = uid,
               .shard_index = shard,
               .segment_first_offset = first,
               .data_bytes = (end - first) * 100,
               .end_offset = end,
               .first_arrival_ms = end > first ? 1000 : 0,
               .last_arrival_ms = end > first ? 2000 + static_cast<int64_t>(end) : 0,
               .index = {}};
  for (size_t i = 0; i < index_entries; ++i) s.index.push_back({first + i, i * 100, 1000 + static_cast<int64_t>(i)});
  return s;
}

// Every field, for comparisons and failure messages.
std::string Show(const Manifest& m) {
  std::ostringstream o;
  o << "replay_from=" << m.replay_from.file_number << ':' << m.replay_from.position << '\n';
  for (const auto& [key, s] : m.shards) {
    o << s.stream_uid << '/' << s.shard_index << " seg=" << s.segment_first_offset << " bytes=" << s.data_bytes
      << " end=" << s.end_offset << " arr=" << s.first_arrival_ms << ".." << s.last_arrival_ms << " index=";
    for (const auto& e : s.index) o << '(' << e.offset << ',' << e.position << ',' << e.arrival_ms << ')';
    o << '\n';
  }
  return o.str();
}

Manifest Sample() {
  Manifest m;
  m.replay_from = {3, 8192};
  m.shards[{1, 0}] = State(1, 0, 100, 150, 3);
  m.shards[{1, 1}] = State(1, 1, 0, 0, 0);
  m.shards[{2, 7}] = State(2, 7, 5, 9, 1);
  return m;
}

Record SnapshotOf(const Manifest& m) {
  Record r{.snapshot = true, .replay_from = m.replay_from, .shards = {}};
  for (const auto& [key, s] : m.shards) r.shards.push_back({s, 0});
  return r;
}

TEST(ManifestRecordTest, RoundTripsAndFolds) {
  Manifest m = Sample();
  std::string bytes = EncodeRecord(SnapshotOf(m));
  auto decoded = DecodeRecord(bytes + "trailing bytes");
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->second, bytes.size());
  EXPECT_TRUE(decoded->first.snapshot);
  Manifest folded;
  folded.shards[{9, 9}] = State(9, 9, 0, 1, 1);  // a snapshot replaces everything
  Apply(decoded->first, &folded);
  EXPECT_EQ(Show(folded), Show(m));
}

TEST(ManifestRecordTest, EveryDamagedOrShortRecordIsRejected) {
  std::string bytes = EncodeRecord(SnapshotOf(Sample()));
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] ^= 0x04;
    EXPECT_FALSE(DecodeRecord(bad)) << "byte " << i;
    EXPECT_FALSE(DecodeRecord(std::string_view(bytes).substr(0, i))) << "cut " << i;
  }
  EXPECT_FALSE(DecodeRecord(std::string(4096, '\0')));
}

TEST(ManifestRecordTest, DeltasKeepIndexBaseEntries) {
  Manifest m = Sample();
  // Shard 1/0 grew: 2 new index entries after the 3 known ones.
  ShardState grown = State(1, 0, 100, 180, 5);
  Record delta{.snapshot = false, .replay_from = {4, 4096}, .shards = {}};
  ShardState carried = grown;
  carried.index.erase(carried.index.begin(), carried.index.begin() + 3);
  delta.shards.push_back({carried, 3});
  // Shard 2/7 rolled to a new segment: its index starts over even with a nonzero base.
  ShardState rolled = State(2, 7, 9, 12, 2);
  delta.shards.push_back({rolled, 1});
  // Shard 1/1 rewrote its index from entry 0.
  ShardState rewritten = State(1, 1, 0, 3, 1);
  delta.shards.push_back({rewritten, 0});
  // A new shard.
  ShardState fresh = State(3, 0, 0, 2, 1);
  delta.shards.push_back({fresh, 0});

  auto decoded = DecodeRecord(EncodeRecord(delta));
  ASSERT_TRUE(decoded);
  EXPECT_FALSE(decoded->first.snapshot);
  Apply(decoded->first, &m);

  Manifest want;
  want.replay_from = {4, 4096};
  want.shards[{1, 0}] = grown;
  want.shards[{1, 1}] = rewritten;
  want.shards[{2, 7}] = rolled;
  want.shards[{3, 0}] = fresh;
  EXPECT_EQ(Show(m), Show(want));

  // A base larger than what is known keeps what is known.
  Record over{.snapshot = false, .replay_from = {4, 4096}, .shards = {{State(3, 0, 0, 4, 1), 5}}};
  Apply(over, &m);
  EXPECT_EQ((m.shards[{3, 0}].index.size()), 2u);
}

TEST(ManifestRecordTest, FileNames) {
  EXPECT_EQ(FileName(3), "MANIFEST-00000000000000000003");
  EXPECT_EQ(ParseFileName("MANIFEST-00000000000000000003"), 3u);
  EXPECT_EQ(ParseFileName("MANIFEST-3"), std::nullopt);
  EXPECT_EQ(ParseFileName("MANIFEST-00000000000000000003.tmp"), std::nullopt);
  EXPECT_EQ(ParseFileName("00000000000000000003.jnl"), std::nullopt);
}

class ManifestFileTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(fs_.CreateDirs(kDir).ok()); }

  std::optional<ReadResult> Read() {
    auto r = ReadManifest(fs_, kDir);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::nullopt;
  }
  static std::string Path(uint64_t n) { return std::string(kDir) + "/" + FileName(n); }
  std::vector<std::string> Names() {
    auto names = fs_.ListDir(kDir);
    std::sort(names->begin(), names->end());
    return *names;
  }
  // A delta growing shard 1/0 by `n` offsets with one more index entry, applied to `m`.
  static Record Grow(Manifest* m, uint64_t n) {
    ShardState& s = m->shards[{1, 0}];
    uint32_t base = static_cast<uint32_t>(s.index.size());
    s.end_offset += n;
    s.data_bytes += n * 100;
    s.index.push_back({s.end_offset - n, s.data_bytes - n * 100, 5000});
    m->replay_from.position += 512;
    ShardState carried = s;
    carried.index.erase(carried.index.begin(), carried.index.begin() + base);
    return Record{.snapshot = false, .replay_from = m->replay_from, .shards = {{carried, base}}};
  }

  FaultInjectingFileSystem fs_;
};

TEST_F(ManifestFileTest, NoManifestIsNotAnError) {
  EXPECT_FALSE(Read());
  auto missing_dir = ReadManifest(fs_, "/nowhere");
  ASSERT_TRUE(missing_dir.ok());
  EXPECT_FALSE(*missing_dir);
}

TEST_F(ManifestFileTest, SnapshotAndDeltasFold) {
  Manifest m = Sample();
  auto w = ManifestWriter::Create(&fs_, kDir, m, 0);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ((*w)->file_number(), 1u);
  for (int i = 0; i < 5; ++i) {
    Record d = Grow(&m, 10);
    ASSERT_TRUE((*w)->Append(d, m).ok());
  }
  auto r = Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(Show(r->manifest), Show(m));
  EXPECT_EQ(r->file_number, 1u);
  EXPECT_EQ(r->records, 6u);
  EXPECT_EQ(r->valid_bytes, (*w)->file_bytes());
  EXPECT_FALSE(r->torn_tail);
}

TEST_F(ManifestFileTest, TornDeltaIsIgnored) {
  Manifest m = Sample();
  auto w = ManifestWriter::Create(&fs_, kDir, m, 0);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append(Grow(&m, 1), m).ok());
  const Manifest acked = m;
  const uint64_t good = (*w)->file_bytes();
  ASSERT_TRUE((*w)->Append(Grow(&m, 1), m).ok());
  auto full = fs_.ReadFileForTest(Path(1));
  for (size_t cut = good; cut < full->size(); ++cut) {
    ASSERT_TRUE(fs_.WriteFileForTest(Path(1), full->substr(0, cut)).ok());
    auto r = Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(Show(r->manifest), Show(acked)) << "cut " << cut;
    EXPECT_EQ(r->valid_bytes, good);
    EXPECT_EQ(r->torn_tail, cut > good);
  }
}

TEST_F(ManifestFileTest, NewestFileWithATornSnapshotFallsBackToThePrevious) {
  Manifest m = Sample();
  auto w = ManifestWriter::Create(&fs_, kDir, m, 0);
  ASSERT_TRUE(w.ok());
  const std::string old = *fs_.ReadFileForTest(Path(1));
  Manifest newer = m;
  Grow(&newer, 4);
  std::string snapshot = EncodeRecord(SnapshotOf(newer));
  ASSERT_TRUE(fs_.WriteFileForTest(Path(2), snapshot.substr(0, snapshot.size() - 1)).ok());
  auto r = Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->file_number, 1u);
  EXPECT_EQ(Show(r->manifest), Show(m));
  // A newest file starting with a delta is no start either.
  Record d = Grow(&newer, 1);
  ASSERT_TRUE(fs_.WriteFileForTest(Path(2), EncodeRecord(d)).ok());
  EXPECT_EQ(Read()->file_number, 1u);
  // Once intact, the newest wins.
  ASSERT_TRUE(fs_.WriteFileForTest(Path(2), snapshot).ok());
  EXPECT_EQ(Read()->file_number, 2u);
  // The writer's next file is numbered past every file present, even one it was not told of.
  auto w2 = ManifestWriter::Create(&fs_, kDir, newer, 1);
  ASSERT_TRUE(w2.ok());
  EXPECT_EQ((*w2)->file_number(), 3u);
  EXPECT_EQ(Names(), std::vector<std::string>{FileName(3)});
}

TEST_F(ManifestFileTest, RewritesIntoANewFilePastMaxBytes) {
  Manifest m = Sample();
  const uint64_t snapshot_bytes = EncodeRecord(SnapshotOf(m)).size();
  const uint64_t max = snapshot_bytes * 3;
  auto w = ManifestWriter::Create(&fs_, kDir, m, 0, max);
  ASSERT_TRUE(w.ok());
  uint64_t files_seen = 1;
  for (int i = 0; i < 40; ++i) {
    uint64_t before = (*w)->file_number();
    ASSERT_TRUE((*w)->Append(Grow(&m, 3), m).ok());
    EXPECT_LE((*w)->file_bytes(), std::max(max, 2 * EncodeRecord(SnapshotOf(m)).size()));
    if ((*w)->file_number() != before) {
      ++files_seen;
      EXPECT_EQ((*w)->file_number(), before + 1);
      EXPECT_EQ(Names(), std::vector<std::string>{FileName(before + 1)});  // the old file is gone
    }
    auto r = Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(Show(r->manifest), Show(m)) << "append " << i;
  }
  EXPECT_GT(files_seen, 2u);
}

TEST_F(ManifestFileTest, ASnapshotLargerThanTheLimitIsNotRewrittenOnEveryAppend) {
  Manifest m = Sample();
  auto w = ManifestWriter::Create(&fs_, kDir, m, 0, /*max_file_bytes=*/16);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append(Grow(&m, 1), m).ok());
  EXPECT_EQ((*w)->file_number(), 1u);
}

// Whatever the point a crash hits, the manifest read back is the last acknowledged state or
// the one being written, never a mix, and never older than what was acknowledged.
TEST_F(ManifestFileTest, CrashAtEveryWriteOrSyncKeepsAnAcknowledgedState) {
  for (uint64_t fail_at = 0; fail_at < 40; ++fail_at) {
    for (int mode = 0; mode < 4; ++mode) {
      FaultInjectingFileSystem fs;
      ASSERT_TRUE(fs.CreateDirs(kDir).ok());
      Manifest m = Sample();
      auto w = ManifestWriter::Create(&fs, kDir, m, 0, /*max_file_bytes=*/1500);
      ASSERT_TRUE(w.ok());
      Manifest acked = m;
      if (mode % 2 == 0) {
        fs.FailSyncsAfter(fail_at);
      } else {
        fs.FailWritesAfter(fail_at);
      }
      if (mode >= 2) fs.FailSyncDirsAfter(fail_at / 3);
      Manifest attempted = m;
      for (int i = 0; i < 30; ++i) {
        Record d = Grow(&m, 2);
        attempted = m;
        if (!(*w)->Append(d, m).ok()) break;
        acked = m;
      }
      fs.ClearFaults();
      fs.CrashKeepingTornPrefix(fail_at * 4 + mode, 1);
      auto r = ReadManifest(fs, kDir);
      ASSERT_TRUE(r.ok());
      ASSERT_TRUE(*r) << "fail_at " << fail_at << " mode " << mode;
      std::string got = Show((*r)->manifest);
      EXPECT_TRUE(got == Show(acked) || got == Show(attempted))
          << "fail_at " << fail_at << " mode " << mode << "\ngot:\n"
          << got << "acked:\n"
          << Show(acked);
    }
  }
}

TEST_F(ManifestFileTest, PlainCrashAfterAppendKeepsEverything) {
  Manifest m = Sample();
  auto w = ManifestWriter::Create(&fs_, kDir, m, 0, 1500);
  ASSERT_TRUE(w.ok());
  for (int i = 0; i < 12; ++i) ASSERT_TRUE((*w)->Append(Grow(&m, 1), m).ok());
  fs_.Crash();
  auto r = Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(Show(r->manifest), Show(m));
}

}  // namespace
}  // namespace sluice::storage::manifest
