// MetadataStore on SQLite. One connection, serialised by a mutex: metadata changes are rare
// and already serialised by the catalog's lock.
#include <sqlite3.h>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "catalog/metadata_store.h"
#include "sqlite/sqlite_util.h"

namespace sluice::catalog {
namespace {

constexpr int kSchemaVersion = 1;

using Stmt = sqlite::Statement;

class SqliteMetadataStore final : public MetadataStore {
 public:
  explicit SqliteMetadataStore(sqlite3* db) : db_(db) {}
  ~SqliteMetadataStore() override { sqlite3_close_v2(db_); }

  Status Init() EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    SLUICE_RETURN_IF_ERROR(Exec("PRAGMA journal_mode=WAL", "enabling WAL"));
    SLUICE_RETURN_IF_ERROR(Exec("PRAGMA synchronous=FULL", "setting synchronous"));
    Stmt v(db_, "PRAGMA user_version");
    if (v.prepare_rc() != SQLITE_OK || sqlite3_step(v.get()) != SQLITE_ROW)
      return sqlite::Error(db_, sqlite3_errcode(db_), "reading schema version");
    int version = sqlite3_column_int(v.get(), 0);
    if (version > kSchemaVersion)
      return Status(Errc::kCorruption,
                    "metadata schema version " + std::to_string(version) + " is newer than this sluice understands");
    return Exec(
        "BEGIN;"
        "CREATE TABLE IF NOT EXISTS streams(uid INTEGER PRIMARY KEY, meta BLOB NOT NULL);"
        "CREATE TABLE IF NOT EXISTS kv(key TEXT PRIMARY KEY, value BLOB NOT NULL);"
        "PRAGMA user_version=1;"
        "COMMIT;",
        "creating schema");
  }

  Result<std::vector<StreamRecord>> LoadStreams() override {
    MutexLock lock(&mu_);
    Stmt q(db_, "SELECT uid, meta FROM streams ORDER BY uid");
    if (q.prepare_rc() != SQLITE_OK) return sqlite::Error(db_, q.prepare_rc(), "loading streams");
    std::vector<StreamRecord> out;
    int rc;
    while ((rc = sqlite3_step(q.get())) == SQLITE_ROW) {
      StreamRecord r;
      r.uid = static_cast<uint64_t>(sqlite3_column_int64(q.get(), 0));
      r.data = ColumnBytes(q.get(), 1);
      out.push_back(std::move(r));
    }
    if (rc != SQLITE_DONE) return sqlite::Error(db_, rc, "loading streams");
    return out;
  }

  Result<std::optional<std::string>> GetValue(std::string_view key) override {
    MutexLock lock(&mu_);
    Stmt q(db_, "SELECT value FROM kv WHERE key = ?1");
    if (q.prepare_rc() != SQLITE_OK) return sqlite::Error(db_, q.prepare_rc(), "reading value");
    sqlite3_bind_text(q.get(), 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    int rc = sqlite3_step(q.get());
    if (rc == SQLITE_DONE) return std::optional<std::string>();
    if (rc != SQLITE_ROW) return sqlite::Error(db_, rc, "reading value");
    return std::optional<std::string>(ColumnBytes(q.get(), 0));
  }

  Status Apply(const MetadataBatch& batch) override {
    MutexLock lock(&mu_);
    SLUICE_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE", "beginning transaction"));
    Status st = ApplyLocked(batch);
    if (st.ok()) st = Exec("COMMIT", "committing metadata");
    // A failed COMMIT may leave the transaction open (e.g. SQLITE_FULL); roll it back so the
    // next batch starts clean and nothing of this one lands.
    if (!st.ok() && !sqlite3_get_autocommit(db_)) Exec("ROLLBACK", "rolling back").IgnoreError();
    return st;
  }

 private:
  static std::string ColumnBytes(sqlite3_stmt* s, int col) {
    const void* p = sqlite3_column_blob(s, col);
    int n = sqlite3_column_bytes(s, col);
    return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
  }

  Status Exec(const char* sql, std::string_view what) REQUIRES(mu_) {
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    return rc == SQLITE_OK ? Status::Ok() : sqlite::Error(db_, rc, what);
  }

  Status Step(Stmt& s, std::string_view what) REQUIRES(mu_) {
    int rc = sqlite3_step(s.get());
    if (rc != SQLITE_DONE) return sqlite::Error(db_, rc, what);
    sqlite3_reset(s.get());
    sqlite3_clear_bindings(s.get());
    return Status::Ok();
  }

  Status ApplyLocked(const MetadataBatch& batch) REQUIRES(mu_) {
    if (!batch.put_streams.empty()) {
      Stmt put(db_, "INSERT OR REPLACE INTO streams(uid, meta) VALUES(?1, ?2)");
      if (put.prepare_rc() != SQLITE_OK) return sqlite::Error(db_, put.prepare_rc(), "writing stream");
      for (const auto& r : batch.put_streams) {
        sqlite3_bind_int64(put.get(), 1, static_cast<sqlite3_int64>(r.uid));
        sqlite3_bind_blob(put.get(), 2, r.data.data(), static_cast<int>(r.data.size()), SQLITE_STATIC);
        SLUICE_RETURN_IF_ERROR(Step(put, "writing stream"));
      }
    }
    if (!batch.delete_streams.empty()) {
      Stmt del(db_, "DELETE FROM streams WHERE uid = ?1");
      if (del.prepare_rc() != SQLITE_OK) return sqlite::Error(db_, del.prepare_rc(), "deleting stream");
      for (uint64_t uid : batch.delete_streams) {
        sqlite3_bind_int64(del.get(), 1, static_cast<sqlite3_int64>(uid));
        SLUICE_RETURN_IF_ERROR(Step(del, "deleting stream"));
      }
    }
    if (!batch.put_values.empty()) {
      Stmt put(db_, "INSERT OR REPLACE INTO kv(key, value) VALUES(?1, ?2)");
      if (put.prepare_rc() != SQLITE_OK) return sqlite::Error(db_, put.prepare_rc(), "writing value");
      for (const auto& [k, v] : batch.put_values) {
        sqlite3_bind_text(put.get(), 1, k.data(), static_cast<int>(k.size()), SQLITE_STATIC);
        sqlite3_bind_blob(put.get(), 2, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
        SLUICE_RETURN_IF_ERROR(Step(put, "writing value"));
      }
    }
    return Status::Ok();
  }

  Mutex mu_;
  sqlite3* db_ GUARDED_BY(mu_);  // one connection, opened without SQLite's own mutex
};

}  // namespace

Result<std::unique_ptr<MetadataStore>> NewSqliteMetadataStore(const std::string& path) {
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status st = sqlite::Error(db, rc, "opening " + path);
    sqlite3_close_v2(db);
    return st;
  }
  sqlite3_busy_timeout(db, 5000);  // an offline tool reading the file must not fail our writes
  auto store = std::make_unique<SqliteMetadataStore>(db);
  SLUICE_RETURN_IF_ERROR(store->Init());
  return std::unique_ptr<MetadataStore>(std::move(store));
}

}  // namespace sluice::catalog
