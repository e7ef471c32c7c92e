#include "base/fault_injecting_file_system.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <set>
#include <thread>

namespace sluice {
namespace {

class FaultInjectingFileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(fs_.CreateDirs("/data").ok()); }

  std::unique_ptr<File> Open(const std::string& path, FileOptions options = {.create = true, .writable = true}) {
    auto f = fs_.Open(path, options);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return f.ok() ? std::move(*f) : nullptr;
  }
  // Creates `path` holding `data`, with neither the bytes nor the entry synced.
  std::unique_ptr<File> Write(const std::string& path, std::string_view data) {
    auto f = Open(path);
    EXPECT_TRUE(f->WriteAt(0, data.data(), data.size()).ok());
    return f;
  }
  std::string Content(const std::string& path) {
    auto r = fs_.ReadFileForTest(path);
    if (r.ok()) return *r;
    // Appended rather than "<" + ToString(): GCC 12 reports a false -Wrestrict on operator+
    // (const char*, std::string&&) (PR105329).
    std::string error = "<";
    error.append(r.status().ToString()).append(">");
    return error;
  }

  FaultInjectingFileSystem fs_;
};

TEST_F(FaultInjectingFileSystemTest, UnsyncedDataIsDroppedOnCrash) {
  auto f = Write("/data/a", "hello");
  ASSERT_TRUE(fs_.SyncDir("/data").ok());
  EXPECT_EQ(Content("/data/a"), "hello");
  fs_.Crash();
  EXPECT_EQ(Content("/data/a"), "");
}

TEST_F(FaultInjectingFileSystemTest, SyncedDataSurvivesLaterWritesDoNot) {
  auto f = Write("/data/a", "hello");
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(fs_.SyncDir("/data").ok());
  ASSERT_TRUE(f->WriteAt(5, " world", 6).ok());
  ASSERT_TRUE(f->WriteAt(0, "J", 1).ok());
  EXPECT_EQ(*fs_.ReadDurableFileForTest("/data/a"), "hello");
  fs_.Crash();
  EXPECT_EQ(Content("/data/a"), "hello");
}

TEST_F(FaultInjectingFileSystemTest, TruncateIsDurableOnlyAfterSync) {
  auto f = Write("/data/a", "abcdef");
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(fs_.SyncDir("/data").ok());
  ASSERT_TRUE(f->Truncate(2).ok());
  EXPECT_EQ(*f->Size(), 2u);
  fs_.Crash();
  EXPECT_EQ(Content("/data/a"), "abcdef");
  auto g = Open("/data/a");
  ASSERT_TRUE(g->Truncate(2).ok());
  ASSERT_TRUE(g->Sync().ok());
  fs_.Crash();
  EXPECT_EQ(Content("/data/a"), "ab");
}

TEST_F(FaultInjectingFileSystemTest, NewFileNeedsSyncDirToSurvive) {
  auto f = Write("/data/a", "x");
  ASSERT_TRUE(f->Sync().ok());
  fs_.Crash();
  EXPECT_FALSE(fs_.Exists("/data/a"));
  EXPECT_TRUE(fs_.Exists("/data"));  // CreateDirs made it durable
}

TEST_F(FaultInjectingFileSystemTest, CreateDirsOnlyMakesItsOwnEntriesDurable) {
  Write("/data/pending", "");
  ASSERT_TRUE(fs_.CreateDirs("/data/x/y").ok());
  fs_.Crash();
  EXPECT_TRUE(fs_.Exists("/data/x/y"));
  EXPECT_FALSE(fs_.Exists("/data/pending"));
}

TEST_F(FaultInjectingFileSystemTest, UnsyncedRemovalReappears) {
  ASSERT_TRUE(fs_.WriteFileForTest("/data/a", "keep").ok());
  ASSERT_TRUE(fs_.RemoveFile("/data/a").ok());
  EXPECT_FALSE(fs_.Exists("/data/a"));
  fs_.Crash();
  EXPECT_EQ(Content("/data/a"), "keep");
  ASSERT_TRUE(fs_.RemoveFile("/data/a").ok());
  ASSERT_TRUE(fs_.SyncDir("/data").ok());
  fs_.Crash();
  EXPECT_FALSE(fs_.Exists("/data/a"));
}

TEST_F(FaultInjectingFileSystemTest, RemovedFileStaysReadableThroughOpenHandle) {
  auto f = Write("/data/a", "abc");
  ASSERT_TRUE(fs_.RemoveFile("/data/a").ok());
  char buf[3];
  ASSERT_EQ(*f->ReadAt(0, buf, 3), 3u);
  EXPECT_EQ(std::string(buf, 3), "abc");
}

TEST_F(FaultInjectingFileSystemTest, RenameNeedsSyncDir) {
  ASSERT_TRUE(fs_.WriteFileForTest("/data/tmp", "new").ok());
  ASSERT_TRUE(fs_.WriteFileForTest("/data/cur", "old").ok());
  ASSERT_TRUE(fs_.Rename("/data/tmp", "/data/cur").ok());
  EXPECT_EQ(Content("/data/cur"), "new");
  EXPECT_FALSE(fs_.Exists("/data/tmp"));
  fs_.Crash();
  EXPECT_EQ(Content("/data/cur"), "old");
  EXPECT_EQ(Content("/data/tmp"), "new");
  ASSERT_TRUE(fs_.Rename("/data/tmp", "/data/cur").ok());
  ASSERT_TRUE(fs_.SyncDir("/data").ok());
  fs_.Crash();
  EXPECT_EQ(Content("/data/cur"), "new");
  EXPECT_FALSE(fs_.Exists("/data/tmp"));
}

TEST_F(FaultInjectingFileSystemTest, RenameAcrossDirectoriesNeedsBothSynced) {
  ASSERT_TRUE(fs_.CreateDirs("/data/x").ok());
  ASSERT_TRUE(fs_.WriteFileForTest("/data/a", "A").ok());
  ASSERT_TRUE(fs_.Rename("/data/a", "/data/x/a").ok());
  ASSERT_TRUE(fs_.SyncDir("/data/x").ok());
  fs_.Crash();
  EXPECT_TRUE(fs_.Exists("/data/a"));  // the source directory was never synced
  EXPECT_TRUE(fs_.Exists("/data/x/a"));
  ASSERT_TRUE(fs_.RemoveFile("/data/a").ok());
  ASSERT_TRUE(fs_.SyncDir("/data").ok());
  fs_.Crash();
  EXPECT_EQ(*fs_.ListDir("/data"), std::vector<std::string>{"x"});
  EXPECT_EQ(Content("/data/x/a"), "A");
}

TEST_F(FaultInjectingFileSystemTest, RenameDirectoryMovesSubtree) {
  ASSERT_TRUE(fs_.CreateDirs("/data/d/e").ok());
  ASSERT_TRUE(fs_.WriteFileForTest("/data/d/e/f", "F").ok());
  EXPECT_EQ(fs_.Rename("/data/d", "/data/d/e/g").code(), Errc::kIoError);  // into itself
  ASSERT_TRUE(fs_.Rename("/data/d", "/data/moved").ok());
  EXPECT_EQ(Content("/data/moved/e/f"), "F");
  ASSERT_TRUE(fs_.SyncDir("/data").ok());
  fs_.Crash();
  EXPECT_EQ(Content("/data/moved/e/f"), "F");
  EXPECT_FALSE(fs_.Exists("/data/d"));
}

TEST_F(FaultInjectingFileSystemTest, RenameRejectsTypeMismatches) {
  ASSERT_TRUE(fs_.CreateDirs("/data/d/sub").ok());
  ASSERT_TRUE(fs_.CreateDirs("/data/empty").ok());
  ASSERT_TRUE(fs_.WriteFileForTest("/data/f", "").ok());
  EXPECT_EQ(fs_.Rename("/data/f", "/data/d").code(), Errc::kIoError);
  EXPECT_EQ(fs_.Rename("/data/empty", "/data/f").code(), Errc::kIoError);
  EXPECT_EQ(fs_.Rename("/data/empty", "/data/d").code(), Errc::kIoError);  // not empty
  EXPECT_TRUE(fs_.Rename("/data/d", "/data/empty").ok());
  EXPECT_EQ(fs_.Rename("/data/missing", "/data/x").code(), Errc::kIoError);
  EXPECT_EQ(fs_.Rename("/data/f", "/nodir/x").code(), Errc::kIoError);
  EXPECT_TRUE(fs_.Rename("/data/f", "/data/f").ok());
}

TEST_F(FaultInjectingFileSystemTest, RemoveAllIsDurableAfterParentSync) {
  ASSERT_TRUE(fs_.CreateDirs("/data/s/t").ok());
  ASSERT_TRUE(fs_.WriteFileForTest("/data/s/t/f", "F").ok());
  ASSERT_TRUE(fs_.RemoveAll("/data/s").ok());
  EXPECT_FALSE(fs_.Exists("/data/s"));
  EXPECT_TRUE(fs_.RemoveAll("/data/s").ok());
  EXPECT_TRUE(fs_.RemoveAll("/nowhere/at/all").ok());
  fs_.Crash();
  EXPECT_EQ(Content("/data/s/t/f"), "F");
  ASSERT_TRUE(fs_.RemoveAll("/data/s").ok());
  ASSERT_TRUE(fs_.SyncDir("/data").ok());
  fs_.Crash();
  EXPECT_FALSE(fs_.Exists("/data/s"));
}

TEST_F(FaultInjectingFileSystemTest, HandlesDieInCrash) {
  auto f = Write("/data/a", "x");
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(fs_.SyncDir("/data").ok());
  fs_.Crash();
  char c;
  EXPECT_EQ(f->ReadAt(0, &c, 1).status().code(), Errc::kIoError);
  EXPECT_EQ(f->WriteAt(0, "y", 1).code(), Errc::kIoError);
  EXPECT_EQ(f->Sync().code(), Errc::kIoError);
  EXPECT_EQ(f->Truncate(0).code(), Errc::kIoError);
  EXPECT_EQ(f->Size().status().code(), Errc::kIoError);
  EXPECT_EQ(Content("/data/a"), "x");
  auto g = Open("/data/a");
  EXPECT_TRUE(g->WriteAt(1, "y", 1).ok());
  EXPECT_EQ(Content("/data/a"), "xy");
}

TEST_F(FaultInjectingFileSystemTest, FilesMayOutliveTheFileSystem) {
  std::unique_ptr<File> f;
  {
    FaultInjectingFileSystem fs;
    f = std::move(*fs.Open("/a", {.create = true, .writable = true}));
  }
  EXPECT_TRUE(f->WriteAt(0, "x", 1).ok());
}

TEST_F(FaultInjectingFileSystemTest, NamespaceErrors) {
  EXPECT_EQ(fs_.Open("/data/missing", {}).status().code(), Errc::kIoError);
  EXPECT_EQ(fs_.Open("/nodir/a", {.create = true}).status().code(), Errc::kIoError);
  EXPECT_EQ(fs_.Open("/data", {}).status().code(), Errc::kIoError);
  EXPECT_EQ(fs_.Open("/data/../x", {.create = true}).status().code(), Errc::kInvalidArgument);
  Write("/data/f", "");
  EXPECT_EQ(fs_.Open("/data/f/g", {.create = true}).status().code(), Errc::kIoError);
  EXPECT_EQ(fs_.CreateDirs("/data/f").code(), Errc::kIoError);
  EXPECT_EQ(fs_.CreateDirs("/data/f/g").code(), Errc::kIoError);
  EXPECT_EQ(fs_.RemoveFile("/data").code(), Errc::kIoError);
  EXPECT_EQ(fs_.RemoveFile("/data/missing").code(), Errc::kIoError);
  EXPECT_EQ(fs_.SyncDir("/data/f").code(), Errc::kIoError);
  EXPECT_EQ(fs_.SyncDir("/missing").code(), Errc::kIoError);
  EXPECT_EQ(fs_.ListDir("/missing").status().code(), Errc::kNotFound);
  EXPECT_EQ(fs_.ListDir("/data/f").status().code(), Errc::kIoError);
}

TEST_F(FaultInjectingFileSystemTest, PathsAreNormalised) {
  Write("data/a", "x");
  EXPECT_TRUE(fs_.Exists("/data/a"));
  EXPECT_TRUE(fs_.Exists("//data/./a"));
  EXPECT_EQ(*fs_.ListDir("/"), std::vector<std::string>{"data"});
}

TEST_F(FaultInjectingFileSystemTest, CreateNeverTruncatesAndReadOnlyRejectsWrites) {
  Write("/data/a", "abc");
  EXPECT_EQ(*Open("/data/a")->Size(), 3u);
  auto ro = Open("/data/a", {});
  EXPECT_EQ(ro->WriteAt(0, "x", 1).code(), Errc::kIoError);
  EXPECT_EQ(ro->Truncate(0).code(), Errc::kIoError);
  char buf[8];
  EXPECT_EQ(*ro->ReadAt(1, buf, sizeof buf), 2u);
  EXPECT_EQ(*ro->ReadAt(9, buf, sizeof buf), 0u);
}

TEST_F(FaultInjectingFileSystemTest, ListDirIsSorted) {
  for (const char* name : {"c", "a", "b"}) Write(std::string("/data/") + name, "");
  ASSERT_TRUE(fs_.CreateDirs("/data/0dir").ok());
  EXPECT_EQ(*fs_.ListDir("/data"), (std::vector<std::string>{"0dir", "a", "b", "c"}));
}

TEST_F(FaultInjectingFileSystemTest, FailWritesAfterFailsWithoutWriting) {
  auto f = Write("/data/a", "");
  fs_.FailWritesAfter(2, Errc::kUnavailable);
  EXPECT_TRUE(f->WriteAt(0, "a", 1).ok());
  EXPECT_TRUE(f->WriteAt(1, "b", 1).ok());
  EXPECT_EQ(f->WriteAt(2, "c", 1).code(), Errc::kUnavailable);
  EXPECT_EQ(f->WriteAt(2, "c", 1).code(), Errc::kUnavailable);  // stays failed
  EXPECT_EQ(Content("/data/a"), "ab");
  fs_.ClearFaults();
  EXPECT_TRUE(f->WriteAt(2, "c", 1).ok());
  EXPECT_EQ(fs_.write_calls(), 6u);  // failed calls count too (one from Write)
}

TEST_F(FaultInjectingFileSystemTest, FailSyncsAfterKeepsDataUndurable) {
  auto f = Write("/data/a", "abc");
  ASSERT_TRUE(fs_.SyncDir("/data").ok());
  fs_.FailSyncsAfter(0);
  EXPECT_EQ(f->Sync().code(), Errc::kIoError);
  EXPECT_EQ(*fs_.ReadDurableFileForTest("/data/a"), "");
  EXPECT_EQ(fs_.sync_calls(), 1u);
  fs_.ClearFaults();
  EXPECT_TRUE(f->Sync().ok());
  EXPECT_EQ(*fs_.ReadDurableFileForTest("/data/a"), "abc");
  EXPECT_EQ(fs_.sync_calls(), 2u);
}

TEST_F(FaultInjectingFileSystemTest, FailSyncDirsAfterKeepsEntriesUndurable) {
  Write("/data/a", "");
  fs_.FailSyncDirsAfter(1);
  EXPECT_TRUE(fs_.SyncDir("/").ok());
  EXPECT_EQ(fs_.SyncDir("/data").code(), Errc::kIoError);
  EXPECT_EQ(fs_.sync_dir_calls(), 2u);
  fs_.Crash();
  EXPECT_FALSE(fs_.Exists("/data/a"));
}

TEST_F(FaultInjectingFileSystemTest, SpaceLimitRejectsGrowthOnly) {
  auto a = Write("/data/a", std::string(60, 'a'));
  fs_.SetSpaceLimit(100);
  EXPECT_EQ(fs_.used_bytes(), 60u);
  auto b = Write("/data/b", std::string(40, 'b'));
  Status full = b->WriteAt(40, "x", 1);
  EXPECT_EQ(full.code(), Errc::kUnavailable);
  EXPECT_EQ(full.message(), "no space left on device: /data/b");
  EXPECT_EQ(Content("/data/b").size(), 40u);
  EXPECT_TRUE(a->WriteAt(0, std::string(60, 'z').data(), 60).ok());  // overwrite needs no space
  ASSERT_TRUE(fs_.RemoveFile("/data/a").ok());
  EXPECT_TRUE(b->WriteAt(40, "x", 1).ok());
  fs_.ClearFaults();
  EXPECT_TRUE(b->WriteAt(0, std::string(500, 'y').data(), 500).ok());
}

TEST_F(FaultInjectingFileSystemTest, TornPrefixKeepsAlignedPrefixOfUnsyncedBytes) {
  constexpr size_t kPage = kDirectIoAlignment;
  std::set<size_t> sizes;
  for (uint64_t seed = 0; seed < 64; ++seed) {
    FaultInjectingFileSystem fs;
    auto f = std::move(*fs.Open("/seg", {.create = true, .writable = true}));
    ASSERT_TRUE(f->WriteAt(0, std::string(kPage, 'd').data(), kPage).ok());
    ASSERT_TRUE(f->Sync().ok());
    ASSERT_TRUE(fs.SyncDir("/").ok());
    std::string unsynced(3 * kPage + 100, 'u');
    ASSERT_TRUE(f->WriteAt(kPage, unsynced.data(), unsynced.size()).ok());
    fs.CrashKeepingTornPrefix(seed);
    std::string after = *fs.ReadFileForTest("/seg");
    ASSERT_GE(after.size(), kPage);
    EXPECT_EQ(after.substr(0, kPage), std::string(kPage, 'd'));
    EXPECT_EQ(after.substr(kPage), std::string(after.size() - kPage, 'u'));
    EXPECT_TRUE(after.size() % kPage == 0 || after.size() == kPage + unsynced.size()) << after.size();
    sizes.insert(after.size());
  }
  EXPECT_EQ(sizes, (std::set<size_t>{kPage, 2 * kPage, 3 * kPage, 4 * kPage, 4 * kPage + 100}));
}

TEST_F(FaultInjectingFileSystemTest, TornPrefixOverPreZeroedSpaceAtByteGranularity) {
  std::set<std::string> outcomes;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    FaultInjectingFileSystem fs;
    ASSERT_TRUE(fs.WriteFileForTest("/seg", std::string(16, '\0')).ok());
    auto f = std::move(*fs.Open("/seg", {.writable = true}));
    ASSERT_TRUE(f->WriteAt(4, "abcd", 4).ok());
    fs.CrashKeepingTornPrefix(seed, 1);
    std::string after = *fs.ReadFileForTest("/seg");
    ASSERT_EQ(after.size(), 16u);
    EXPECT_EQ(*fs.ReadDurableFileForTest("/seg"), after);  // what was kept is now durable
    outcomes.insert(after);
  }
  EXPECT_EQ(outcomes.size(), 5u);  // kept 0..4 bytes of "abcd"
  EXPECT_TRUE(outcomes.count(std::string(4, '\0') + "ab" + std::string(10, '\0')));
}

TEST_F(FaultInjectingFileSystemTest, TornPrefixIsDeterministicAndDropsUndurableEntries) {
  auto run = [](uint64_t seed) {
    FaultInjectingFileSystem fs;
    auto f = std::move(*fs.Open("/kept", {.create = true, .writable = true}));
    fs.SyncDir("/").IgnoreError();
    auto g = std::move(*fs.Open("/lost", {.create = true, .writable = true}));
    std::string data(10 * kDirectIoAlignment, 'x');
    f->WriteAt(0, data.data(), data.size()).IgnoreError();
    g->WriteAt(0, data.data(), data.size()).IgnoreError();
    fs.CrashKeepingTornPrefix(seed);
    EXPECT_FALSE(fs.Exists("/lost"));
    return *fs.ReadFileForTest("/kept");
  };
  for (uint64_t seed : {1, 2, 3}) EXPECT_EQ(run(seed), run(seed));
}

TEST_F(FaultInjectingFileSystemTest, DirectIoEnforcesAlignment) {
  auto f = Open("/data/d", {.create = true, .writable = true, .direct_io = true});
  ASSERT_TRUE(f->direct_io());
  char* buf = static_cast<char*>(std::aligned_alloc(kDirectIoAlignment, 2 * kDirectIoAlignment));
  std::memset(buf, 'q', 2 * kDirectIoAlignment);
  EXPECT_TRUE(f->WriteAt(kDirectIoAlignment, buf, kDirectIoAlignment).ok());
  EXPECT_EQ(f->WriteAt(1, buf, kDirectIoAlignment).code(), Errc::kInvalidArgument);
  EXPECT_EQ(f->WriteAt(0, buf, kDirectIoAlignment - 1).code(), Errc::kInvalidArgument);
  EXPECT_EQ(f->WriteAt(0, buf + 8, kDirectIoAlignment).code(), Errc::kInvalidArgument);
  std::free(buf);
  EXPECT_EQ(Content("/data/d"), std::string(kDirectIoAlignment, '\0') + std::string(kDirectIoAlignment, 'q'));
  EXPECT_FALSE(Open("/data/d", {.direct_io = true})->direct_io());  // read-only: no direct writes
}

TEST_F(FaultInjectingFileSystemTest, DirectIoCanBeUnsupported) {
  fs_.SetDirectIoSupported(false);
  auto f = Open("/data/d", {.create = true, .writable = true, .direct_io = true});
  EXPECT_FALSE(f->direct_io());
  EXPECT_TRUE(f->WriteAt(1, "x", 1).ok());
}

TEST_F(FaultInjectingFileSystemTest, CorruptFlipsCurrentAndDurableBytes) {
  ASSERT_TRUE(fs_.WriteFileForTest("/data/a", "abc").ok());
  auto f = Open("/data/a");
  ASSERT_TRUE(f->WriteAt(3, "def", 3).ok());
  ASSERT_TRUE(fs_.Corrupt("/data/a", 1, 0x20).ok());
  ASSERT_TRUE(fs_.Corrupt("/data/a", 4).ok());  // only in current: durable is shorter
  EXPECT_EQ(Content("/data/a"),
            "aBcd\x9a"
            "f");
  EXPECT_EQ(*fs_.ReadDurableFileForTest("/data/a"), "aBc");
  EXPECT_EQ(fs_.Corrupt("/data/a", 6).code(), Errc::kInvalidArgument);
  EXPECT_EQ(fs_.Corrupt("/data/missing", 0).code(), Errc::kIoError);
}

TEST_F(FaultInjectingFileSystemTest, WriteFileForTestReplacesDurably) {
  auto f = Write("/data/a", "old content");
  ASSERT_TRUE(fs_.WriteFileForTest("/data/a", "new").ok());
  EXPECT_EQ(*f->Size(), 3u);  // same file, as an open handle sees it
  fs_.Crash();
  EXPECT_EQ(Content("/data/a"), "new");
  EXPECT_EQ(fs_.WriteFileForTest("/data", "x").code(), Errc::kIoError);
  EXPECT_EQ(fs_.WriteFileForTest("/nodir/a", "x").code(), Errc::kIoError);
}

TEST_F(FaultInjectingFileSystemTest, ConcurrentWritersAndSyncs) {
  auto f = Open("/data/c");
  constexpr int kThreads = 4, kChunks = 200;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kChunks; i += kThreads) {
        char c = static_cast<char>('a' + t);
        EXPECT_TRUE(f->WriteAt(uint64_t(i), &c, 1).ok());
        if (i % 10 == 0) { EXPECT_TRUE(f->Sync().ok()); }
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(f->Sync().ok());
  std::string all = Content("/data/c");
  ASSERT_EQ(all.size(), size_t{kChunks});
  for (int i = 0; i < kChunks; ++i) EXPECT_EQ(all[i], 'a' + i % kThreads);
}

}  // namespace
}  // namespace sluice
