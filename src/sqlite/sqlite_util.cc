#include "sqlite/sqlite_util.h"

#include <string>

namespace sluice::sqlite {

Status Error(sqlite3* db, int rc, std::string_view what) {
  std::string msg(what);
  msg.append(": ").append(db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_FULL: return Status(Errc::kUnavailable, msg);
    case SQLITE_IOERR: return Status(Errc::kIoError, msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return Status(Errc::kCorruption, msg);
    default: return Status(Errc::kInternal, msg);
  }
}

}  // namespace sluice::sqlite
