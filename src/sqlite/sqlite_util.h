#pragma once
// What every SQLite-backed store here shares (stream metadata, metrics, alarms): one mapping of
// SQLite result codes to Status, and a prepared statement finalized on scope exit.
#include <sqlite3.h>

#include <cstdint>
#include <string_view>

#include "base/status.h"

namespace sluice::sqlite {

// "<what>: <SQLite's message>", with a code a caller can act on: a full disk is temporary from a
// client's point of view (kUnavailable), I/O errors and corruption are named, the rest internal.
Status Error(sqlite3* db, int rc, std::string_view what);

// Finalizes on scope exit so every early return releases the statement.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  ~Statement() { sqlite3_finalize(s_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  int prepare_rc() const { return rc_; }
  sqlite3_stmt* get() { return s_; }
  void Text(int i, std::string_view s) {
    sqlite3_bind_text(s_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  }
  void Int(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }

 private:
  sqlite3_stmt* s_ = nullptr;
  int rc_ = SQLITE_OK;
};

}  // namespace sluice::sqlite
