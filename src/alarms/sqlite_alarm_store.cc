// AlarmStore on SQLite: one connection serialised by a mutex (alarm changes are rare: API calls
// and state transitions).
#include <sqlite3.h>

#include "alarms/alarm_store.h"
#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "sqlite/sqlite_util.h"

namespace sluice::alarms {
namespace {

using Stmt = sqlite::Statement;

std::string ColumnText(sqlite3_stmt* s, int i) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
  return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s, i))) : std::string();
}

class SqliteAlarmStore final : public AlarmStore {
 public:
  explicit SqliteAlarmStore(sqlite3* db) : db_(db) {}
  ~SqliteAlarmStore() override { sqlite3_close_v2(db_); }

  Status Init() EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    SLUICE_RETURN_IF_ERROR(Exec("PRAGMA journal_mode=WAL", "enabling WAL"));
    // Alarm changes survive a crash of Sluice; a power loss may lose the last few (no fsync per
    // state change: a flapping alarm would otherwise fsync every period).
    SLUICE_RETURN_IF_ERROR(Exec("PRAGMA synchronous=NORMAL", "setting synchronous"));
    return Exec(
        "BEGIN;"
        "CREATE TABLE IF NOT EXISTS alarms(name TEXT PRIMARY KEY, data TEXT NOT NULL);"
        "CREATE TABLE IF NOT EXISTS history(seq INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, "
        "ts INTEGER NOT NULL, type TEXT NOT NULL, summary TEXT NOT NULL, data TEXT NOT NULL);"
        "CREATE INDEX IF NOT EXISTS history_by_name ON history(name, seq);"
        "PRAGMA user_version=1;"
        "COMMIT;",
        "creating alarm schema");
  }

  Result<std::vector<Alarm>> LoadAlarms() override EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    Stmt q(db_, "SELECT data FROM alarms ORDER BY name");
    if (q.prepare_rc() != SQLITE_OK) return sqlite::Error(db_, q.prepare_rc(), "loading alarms");
    std::vector<Alarm> out;
    int rc;
    while ((rc = sqlite3_step(q.get())) == SQLITE_ROW) {
      SLUICE_ASSIGN_OR_RETURN(Alarm a, DecodeAlarm(ColumnText(q.get(), 0)));
      out.push_back(std::move(a));
    }
    if (rc != SQLITE_DONE) return sqlite::Error(db_, rc, "loading alarms");
    return out;
  }

  Result<std::vector<HistoryItem>> LoadHistory() override EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    Stmt q(db_, "SELECT name, ts, type, summary, data FROM history ORDER BY seq");
    if (q.prepare_rc() != SQLITE_OK) return sqlite::Error(db_, q.prepare_rc(), "loading alarm history");
    std::vector<HistoryItem> out;
    int rc;
    while ((rc = sqlite3_step(q.get())) == SQLITE_ROW) {
      HistoryItem h;
      h.alarm_name = ColumnText(q.get(), 0);
      h.timestamp_ms = sqlite3_column_int64(q.get(), 1);
      auto t = ParseHistoryType(ColumnText(q.get(), 2));
      if (!t) continue;
      h.type = *t;
      h.summary = ColumnText(q.get(), 3);
      h.data = ColumnText(q.get(), 4);
      out.push_back(std::move(h));
    }
    if (rc != SQLITE_DONE) return sqlite::Error(db_, rc, "loading alarm history");
    return out;
  }

  Status PutAlarm(const Alarm& alarm) override EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    Stmt q(db_, "INSERT OR REPLACE INTO alarms(name, data) VALUES(?, ?)");
    q.Text(1, alarm.config.name);
    std::string data = EncodeAlarm(alarm);
    q.Text(2, data);
    return Step(q, "writing an alarm");
  }

  Status DeleteAlarm(const std::string& name) override EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    Stmt q(db_, "DELETE FROM alarms WHERE name = ?");
    q.Text(1, name);
    return Step(q, "deleting an alarm");
  }

  Status AppendHistory(const HistoryItem& h) override EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    Stmt q(db_, "INSERT INTO history(name, ts, type, summary, data) VALUES(?, ?, ?, ?, ?)");
    q.Text(1, h.alarm_name);
    q.Int(2, h.timestamp_ms);
    q.Text(3, HistoryTypeName(h.type));
    q.Text(4, h.summary);
    q.Text(5, h.data);
    return Step(q, "writing alarm history");
  }

  Status PruneHistory(int64_t before_ms, size_t per_alarm) override EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    Stmt old(db_, "DELETE FROM history WHERE ts < ?");
    old.Int(1, before_ms);
    SLUICE_RETURN_IF_ERROR(Step(old, "pruning alarm history"));
    Stmt extra(db_,
               "DELETE FROM history WHERE seq IN (SELECT seq FROM (SELECT seq, ROW_NUMBER() OVER "
               "(PARTITION BY name ORDER BY seq DESC) AS rn FROM history) WHERE rn > ?)");
    extra.Int(1, static_cast<int64_t>(per_alarm));
    return Step(extra, "pruning alarm history");
  }

 private:
  Status Exec(const char* sql, std::string_view what) REQUIRES(mu_) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
    sqlite3_free(err);
    if (rc != SQLITE_OK) return sqlite::Error(db_, rc, what);
    return Status::Ok();
  }
  Status Step(Stmt& q, std::string_view what) REQUIRES(mu_) {
    if (q.prepare_rc() != SQLITE_OK) return sqlite::Error(db_, q.prepare_rc(), what);
    int rc = sqlite3_step(q.get());
    if (rc != SQLITE_DONE) return sqlite::Error(db_, rc, what);
    return Status::Ok();
  }

  Mutex mu_;
  sqlite3* db_ GUARDED_BY(mu_);
};

class NullAlarmStore final : public AlarmStore {
 public:
  Result<std::vector<Alarm>> LoadAlarms() override { return std::vector<Alarm>{}; }
  Result<std::vector<HistoryItem>> LoadHistory() override { return std::vector<HistoryItem>{}; }
  Status PutAlarm(const Alarm&) override { return Status::Ok(); }
  Status DeleteAlarm(const std::string&) override { return Status::Ok(); }
  Status AppendHistory(const HistoryItem&) override { return Status::Ok(); }
  Status PruneHistory(int64_t, size_t) override { return Status::Ok(); }
};

}  // namespace

Result<std::unique_ptr<AlarmStore>> OpenSqliteAlarmStore(const std::string& path) {
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status s = sqlite::Error(db, rc, "opening " + path);
    sqlite3_close_v2(db);
    return s;
  }
  auto store = std::make_unique<SqliteAlarmStore>(db);
  SLUICE_RETURN_IF_ERROR(store->Init());
  return std::unique_ptr<AlarmStore>(std::move(store));
}

std::unique_ptr<AlarmStore> NewNullAlarmStore() { return std::make_unique<NullAlarmStore>(); }

}  // namespace sluice::alarms
