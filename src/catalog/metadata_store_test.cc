#include "catalog/metadata_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>

namespace sluice::catalog {
namespace {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sluice-meta-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

std::vector<StreamRecord> Load(MetadataStore& m) {
  auto rows = m.LoadStreams();
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  return rows.ok() ? *rows : std::vector<StreamRecord>{};
}

std::optional<std::string> Value(MetadataStore& m, std::string_view key) {
  auto v = m.GetValue(key);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? *v : std::nullopt;
}

// The behaviour both backends share.
void ExerciseStore(MetadataStore& m) {
  EXPECT_TRUE(Load(m).empty());
  EXPECT_EQ(Value(m, "missing"), std::nullopt);

  std::string binary("a\0b\xff", 4);
  ASSERT_TRUE(m.PutStream({~uint64_t{0}, binary}).ok());  // top bit set: stored as a negative int64
  ASSERT_TRUE(m.PutStream({7, "seven"}).ok());
  ASSERT_TRUE(m.PutStream({7, "seven v2"}).ok());  // upsert
  ASSERT_TRUE(m.PutValue("k", binary).ok());
  auto rows = Load(m);
  ASSERT_EQ(rows.size(), 2u);
  std::map<uint64_t, std::string> by_uid;
  for (auto& r : rows) by_uid[r.uid] = r.data;
  EXPECT_EQ(by_uid[7], "seven v2");
  EXPECT_EQ(by_uid[~uint64_t{0}], binary);
  EXPECT_EQ(Value(m, "k"), binary);

  ASSERT_TRUE(m.DeleteStream(7).ok());
  ASSERT_TRUE(m.DeleteStream(12345).ok());  // absent: fine
  ASSERT_EQ(Load(m).size(), 1u);

  MetadataBatch b;
  b.put_streams.push_back({8, "eight"});
  b.delete_streams.push_back(~uint64_t{0});
  b.put_values.emplace_back("k", "v2");
  ASSERT_TRUE(m.Apply(b).ok());
  rows = Load(m);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].uid, 8u);
  EXPECT_EQ(Value(m, "k"), "v2");
}

TEST(MemoryMetadataStoreTest, StoresRowsAndValues) {
  auto m = NewMemoryMetadataStore();
  ExerciseStore(*m);
}

TEST(SqliteMetadataStoreTest, StoresRowsAndValues) {
  TempDir dir;
  auto m = NewSqliteMetadataStore(dir.File("metadata.db"));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ExerciseStore(**m);
}

TEST(SqliteMetadataStoreTest, ReopenSeesCommittedData) {
  TempDir dir;
  {
    auto m = NewSqliteMetadataStore(dir.File("metadata.db"));
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    ASSERT_TRUE((*m)->PutStream({42, "forty-two"}).ok());
    ASSERT_TRUE((*m)->PutValue(kLastEpochKey, "1700000000").ok());
  }
  auto m = NewSqliteMetadataStore(dir.File("metadata.db"));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto rows = Load(**m);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].uid, 42u);
  EXPECT_EQ(rows[0].data, "forty-two");
  EXPECT_EQ(Value(**m, kLastEpochKey), "1700000000");
}

TEST(SqliteMetadataStoreTest, UsesWalWithFullSync) {
  TempDir dir;
  auto m = NewSqliteMetadataStore(dir.File("metadata.db"));
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE((*m)->PutStream({1, "x"}).ok());
  EXPECT_TRUE(std::filesystem::exists(dir.File("metadata.db-wal")));
}

TEST(SqliteMetadataStoreTest, RejectsAFileThatIsNotADatabase) {
  TempDir dir;
  FILE* f = std::fopen(dir.File("metadata.db").c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::string junk(4096, 'j');
  std::fwrite(junk.data(), 1, junk.size(), f);
  std::fclose(f);
  auto m = NewSqliteMetadataStore(dir.File("metadata.db"));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), Errc::kCorruption) << m.status().ToString();
}

TEST(SqliteMetadataStoreTest, RejectsANewerSchema) {
  TempDir dir;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.File("metadata.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto m = NewSqliteMetadataStore(dir.File("metadata.db"));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), Errc::kCorruption);
}

TEST(SqliteMetadataStoreTest, FailedBatchAppliesNothingAndLeavesTheStoreUsable) {
  TempDir dir;
  std::string path = dir.File("metadata.db");
  auto m = NewSqliteMetadataStore(path);
  ASSERT_TRUE(m.ok());
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw,
                         "CREATE TRIGGER boom BEFORE INSERT ON kv WHEN NEW.key = 'boom' "
                         "BEGIN SELECT RAISE(ABORT, 'injected'); END;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);

  MetadataBatch bad;
  bad.put_streams.push_back({5, "five"});
  bad.put_values.emplace_back("boom", "x");
  Status st = (*m)->Apply(bad);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("injected"), std::string::npos) << st.ToString();
  EXPECT_TRUE(Load(**m).empty());

  ASSERT_TRUE((*m)->PutStream({6, "six"}).ok());
  ASSERT_EQ(Load(**m).size(), 1u);
}

// Runs `body` in a child that dies abruptly (no destructors, no atexit, no SQLite cleanup), as
// kill -9 would leave things.
void CrashAfter(const std::function<void()>& body) {
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    body();
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(SqliteMetadataStoreTest, CrashKeepsCommittedBatchesAndLosesUncommittedOnes) {
  TempDir dir;
  std::string path = dir.File("metadata.db");
  {
    auto m = NewSqliteMetadataStore(path);
    ASSERT_TRUE(m.ok());
  }
  CrashAfter([&] {
    auto m = NewSqliteMetadataStore(path);
    if (!m.ok()) ::_exit(1);
    MetadataBatch committed;
    committed.put_streams.push_back({1, "committed"});
    committed.put_values.emplace_back(kLastEpochKey, "10");
    if (!(*m)->Apply(committed).ok()) ::_exit(2);
    // A second writer's transaction that is in the WAL but never committed: what a crash in
    // the middle of Apply leaves behind.
    sqlite3* raw = nullptr;
    if (sqlite3_open(path.c_str(), &raw) != SQLITE_OK) ::_exit(3);
    if (sqlite3_exec(raw,
                     "BEGIN IMMEDIATE;"
                     "INSERT INTO streams(uid, meta) VALUES(2, 'uncommitted');"
                     "INSERT OR REPLACE INTO kv(key, value) VALUES('last_epoch', '20');",
                     nullptr, nullptr, nullptr) != SQLITE_OK)
      ::_exit(4);
    // Force the dirty pages out into the WAL without a commit frame.
    if (sqlite3_db_cacheflush(raw) != SQLITE_OK) ::_exit(5);
  });
  auto m = NewSqliteMetadataStore(path);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto rows = Load(**m);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].data, "committed");
  EXPECT_EQ(Value(**m, kLastEpochKey), "10");
}

}  // namespace
}  // namespace sluice::catalog
