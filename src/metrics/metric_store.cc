// MetricStore on SQLite (a file, or an in-memory database for --storage memory).
//
// Layout: every series has one row in `series`; its points live in `points`, one row per
// (tier, series, chunk) where a chunk is 60 consecutive periods of the tier (1 minute of 1-second
// points, 1 hour of minute points, 5 hours of 5-minute points, 60 hours of hourly points). Each
// tier is pre-aggregated on the way in, so a query reads the coarsest tier that answers it.
//
// Adds only touch memory: each series keeps per tier the deltas not yet on disk. Flush merges
// the deltas into their chunks (read, merge, write) — the stored value of a point is always the
// disk value merged with the pending delta, so a point can be flushed while still open and
// topped up later. Queries merge disk chunks with pending deltas, so unflushed points are
// visible. Periodic flushes leave the still-open 5-minute and hourly points in memory (they
// would otherwise rewrite a long chunk every few seconds); FlushAll and the destructor write them.
#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <set>

#include "base/base64.h"
#include "base/mutex.h"
#include "metrics/chunk_codec.h"
#include "metrics/metric_store.h"
#include "sqlite/sqlite_util.h"

namespace sluice::metrics {
namespace {

constexpr int kTiers = 4;
constexpr int64_t kTierResolutionS[kTiers] = {1, 60, 300, 3600};
constexpr int64_t kChunkPoints = 60;
constexpr int kSchemaVersion = 1;
constexpr int64_t kFutureMarginMs = 3 * 3'600'000;

int64_t ChunkSpanMs(int tier) { return kTierResolutionS[tier] * 1000 * kChunkPoints; }
int64_t FloorTo(int64_t v, int64_t m) { return v >= 0 ? v / m * m : -((-v + m - 1) / m) * m; }

Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  return sqlite::Error(db, rc, "metrics store: " + std::string(what));
}

// A prepared statement kept for the store's lifetime.
class Stmt {
 public:
  Stmt() = default;
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  int Prepare(sqlite3* db, const char* sql) {
    return sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s_, nullptr);
  }
  sqlite3_stmt* get() { return s_; }

 private:
  sqlite3_stmt* s_ = nullptr;
};

// One use of a Stmt: resets it on scope exit. A statement left mid-result would keep its read
// transaction open, and WAL checkpoints cannot pass an open reader (the WAL would grow forever).
class StmtUse {
 public:
  explicit StmtUse(Stmt* s) : s_(s->get()) {}
  ~StmtUse() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  StmtUse(const StmtUse&) = delete;
  StmtUse& operator=(const StmtUse&) = delete;
  sqlite3_stmt* get() const { return s_; }

 private:
  sqlite3_stmt* s_;
};

struct Series {
  MetricId id;
  std::string key;
  int64_t row_id = 0;
  Unit unit = Unit::kNone;
  int64_t last_ts = 0;         // newest data timestamp
  int64_t pending_row_id = 0;  // allocated by a flush that has not committed yet
  bool row_dirty = true;       // the row is missing or its unit changed
  int64_t written_last_ts = 0;
  bool row_written = false;  // by the flush in progress, with row_written_last_ts
  int64_t row_written_last_ts = 0;
  std::vector<ChunkPoint> pending[kTiers];  // deltas not on disk, sorted by (ts, unit)
};

// Ids match whatever order the caller gave the dimensions in.
std::string SeriesKey(const MetricId& id) {
  if (std::is_sorted(id.dims.begin(), id.dims.end())) return id.Key();
  MetricId sorted = id;
  sorted.Normalize();
  return sorted.Key();
}

void MergeInto(std::vector<ChunkPoint>* points, int64_t ts, Unit unit, const StatSet& stats) {
  auto it = std::lower_bound(points->begin(), points->end(), std::make_pair(ts, unit),
                             [](const ChunkPoint& p, const std::pair<int64_t, Unit>& k) {
                               return std::make_pair(p.timestamp_ms, p.unit) < k;
                             });
  if (it != points->end() && it->timestamp_ms == ts && it->unit == unit) {
    it->stats.Merge(stats);
  } else {
    points->insert(it, ChunkPoint{ts, unit, stats});
  }
}

class SqliteMetricStore final : public MetricStore {
 public:
  SqliteMetricStore(sqlite3* db, const Clock* clock, MetricStoreOptions options)
      : db_(db), clock_(clock), options_(options) {
    retention_ms_[0] = options_.second_retention_ms;
    retention_ms_[1] = options_.minute_retention_ms;
    retention_ms_[2] = options_.five_minute_retention_ms;
    retention_ms_[3] = options_.hour_retention_ms;
  }

  ~SqliteMetricStore() override {
    {
      MutexLock lock(&mu_);
      FlushLocked(/*all=*/true).IgnoreError();  // best effort: metrics, not acknowledged data
    }
    // close_v2 defers the close until the cached statements (members) are finalized.
    sqlite3_close_v2(db_);
  }

  Status Init(bool on_disk) EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    if (on_disk) {
      SLUICE_RETURN_IF_ERROR(Exec("PRAGMA journal_mode=WAL", "enabling WAL"));
      SLUICE_RETURN_IF_ERROR(Exec("PRAGMA synchronous=NORMAL", "setting synchronous"));
      // Checkpoints reuse the WAL from its start; this truncates what a burst left behind.
      SLUICE_RETURN_IF_ERROR(Exec("PRAGMA journal_size_limit=16777216", "limiting the WAL"));
      // Queries read whole chunks (often several pages each): mapping the file saves a pread
      // system call per page, which dominated wide GetMetricData reads.
      SLUICE_RETURN_IF_ERROR(Exec("PRAGMA mmap_size=1073741824", "mapping the database"));
    }
    {
      sqlite3_stmt* v = nullptr;
      int rc = sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, &v, nullptr);
      if (rc != SQLITE_OK || sqlite3_step(v) != SQLITE_ROW) {
        sqlite3_finalize(v);
        return SqliteError(db_, rc, "reading schema version");
      }
      const int version = sqlite3_column_int(v, 0);
      sqlite3_finalize(v);
      if (version > kSchemaVersion)
        return Status(Errc::kCorruption, "metrics store schema version " + std::to_string(version) +
                                             " is newer than this sluice understands");
    }
    SLUICE_RETURN_IF_ERROR(
        Exec("BEGIN;"
             "CREATE TABLE IF NOT EXISTS series(id INTEGER PRIMARY KEY, ns TEXT NOT NULL, name TEXT NOT NULL,"
             " dims BLOB NOT NULL, unit INTEGER NOT NULL, last_ts INTEGER NOT NULL);"
             "CREATE TABLE IF NOT EXISTS points(tier INTEGER NOT NULL, series INTEGER NOT NULL,"
             " chunk_start INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY(tier, series, chunk_start))"
             " WITHOUT ROWID;"
             "PRAGMA user_version=1;"
             "COMMIT;",
             "creating schema"));
    int rc = select_chunk_.Prepare(db_,
                                   "SELECT chunk_start, data FROM points WHERE tier=?1 AND series=?2 AND "
                                   "chunk_start>=?3 AND chunk_start<?4 ORDER BY chunk_start");
    if (rc == SQLITE_OK)
      rc = upsert_chunk_.Prepare(db_,
                                 "INSERT OR REPLACE INTO points(tier, series, chunk_start, data) VALUES(?1,?2,?3,?4)");
    if (rc == SQLITE_OK)
      rc = upsert_series_.Prepare(
          db_, "INSERT OR REPLACE INTO series(id, ns, name, dims, unit, last_ts) VALUES(?1,?2,?3,?4,?5,?6)");
    if (rc == SQLITE_OK)
      rc = delete_chunks_.Prepare(db_, "DELETE FROM points WHERE tier=?1 AND series=?2 AND chunk_start<?3");
    if (rc == SQLITE_OK) rc = delete_series_.Prepare(db_, "DELETE FROM series WHERE id=?1");
    if (rc != SQLITE_OK) return SqliteError(db_, rc, "preparing statements");
    return LoadSeries();
  }

  Status Add(const MetricId& id, Unit unit, int64_t timestamp_ms, const StatSet& stats, int resolution_s) override
      EXCLUDES(mu_) {
    if (stats.empty()) return Status::Ok();
    if (resolution_s != 1 && resolution_s != 60)
      return Status(Errc::kInvalidArgument, "metric resolution must be 1 or 60 seconds");
    const std::string key = SeriesKey(id);
    MutexLock lock(&mu_);
    Series* s = FindOrCreate(id, key);
    if (s->unit != unit) {
      s->unit = unit;
      s->row_dirty = true;
    }
    s->last_ts = std::max(s->last_ts, timestamp_ms);
    for (int t = resolution_s == 1 ? 0 : 1; t < kTiers; ++t) {
      const int64_t ts = FloorTo(timestamp_ms, kTierResolutionS[t] * 1000);
      MergeInto(&s->pending[t], ts, unit, stats);
    }
    dirty_.insert(s);
    return Status::Ok();
  }

  Result<std::vector<Datapoint>> Query(const MetricId& id, int64_t start_ms, int64_t end_ms, int64_t period_s,
                                       std::optional<Unit> unit) const override EXCLUDES(mu_) {
    return QueryTier(id, start_ms, end_ms, period_s, unit, /*with_sketches=*/true);
  }

  Result<std::vector<Datapoint>> QueryBasic(const MetricId& id, int64_t start_ms, int64_t end_ms, int64_t period_s,
                                            std::optional<Unit> unit) const override EXCLUDES(mu_) {
    return QueryTier(id, start_ms, end_ms, period_s, unit, /*with_sketches=*/false);
  }

  Result<std::vector<Datapoint>> QueryTier(const MetricId& id, int64_t start_ms, int64_t end_ms, int64_t period_s,
                                           std::optional<Unit> unit, bool with_sketches) const EXCLUDES(mu_) {
    if (period_s <= 0) return Status(Errc::kInvalidArgument, "period must be positive");
    std::vector<Datapoint> out;
    if (end_ms <= start_ms) return out;
    const int64_t period_ms = period_s * 1000;
    const int tier = TierFor(start_ms, period_s);
    const std::string key = SeriesKey(id);

    MutexLock lock(&mu_);
    auto it = series_.find(key);
    if (it == series_.end()) return out;
    const Series& s = *it->second;
    // Points past the tier's retention are gone even if their chunk has not been deleted yet.
    const int64_t now = clock_->NowMillis();
    const int64_t from = std::max(start_ms, now - retention_ms_[tier]);
    // Nothing is newer than the newest point (PutMetricData takes timestamps up to two hours
    // ahead; the persisted last_ts may lag a crash by ten minutes, hence the margin). The
    // accumulators then span at most a tier's retention over its resolution plus a few hours.
    const int64_t to = std::min(end_ms, std::max(now, s.last_ts) + kFutureMarginMs);
    if (from >= to) return out;
    const int64_t first = (from - start_ms) / period_ms;
    const int64_t periods = (to - 1 - start_ms) / period_ms - first + 1;

    std::vector<StatSet> acc(static_cast<size_t>(periods));
    std::vector<Unit> units(static_cast<size_t>(periods), Unit::kNone);
    // Decoded points are moved into empty periods (the common case: one stored point per
    // period) rather than merged, which would copy their sketches.
    auto slot = [&](int64_t ts, Unit u) -> StatSet* {
      if (ts < from || ts >= to || (unit && u != *unit)) return nullptr;
      const auto i = static_cast<size_t>((ts - start_ms) / period_ms - first);
      if (acc[i].empty()) units[i] = u;
      return &acc[i];
    };
    if (s.row_id != 0) {
      StmtUse q_use(&select_chunk_);
      sqlite3_stmt* q = q_use.get();
      sqlite3_bind_int(q, 1, tier);
      sqlite3_bind_int64(q, 2, s.row_id);
      sqlite3_bind_int64(q, 3, FloorTo(from, ChunkSpanMs(tier)));
      sqlite3_bind_int64(q, 4, to);
      int rc;
      std::vector<ChunkPoint> points;
      while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const int64_t chunk_start = sqlite3_column_int64(q, 0);
        std::string_view blob(static_cast<const char*>(sqlite3_column_blob(q, 1)),
                              static_cast<size_t>(sqlite3_column_bytes(q, 1)));
        if (!DecodeChunk(blob, chunk_start, kTierResolutionS[tier] * 1000, &points, with_sketches))
          return Status(Errc::kCorruption, "metrics store: undecodable chunk");
        for (ChunkPoint& p : points) {
          StatSet* a = slot(p.timestamp_ms, p.unit);
          if (a == nullptr) continue;
          if (a->empty()) {
            *a = std::move(p.stats);
          } else {
            a->Merge(p.stats);
          }
        }
      }
      if (rc != SQLITE_DONE) return SqliteError(db_, rc, "reading points");
    }
    for (const ChunkPoint& p : s.pending[tier]) {
      StatSet* a = slot(p.timestamp_ms, p.unit);
      if (a == nullptr) continue;
      if (with_sketches) {
        a->Merge(p.stats);
      } else {
        StatSet basic = p.stats;  // pending points are few per series
        basic.sketch.Clear();
        a->Merge(basic);
      }
    }

    for (size_t i = 0; i < acc.size(); ++i) {
      if (acc[i].empty()) continue;
      out.push_back(Datapoint{start_ms + (first + static_cast<int64_t>(i)) * period_ms, units[i], std::move(acc[i])});
    }
    return out;
  }

  Result<ListMetricsPage> List(const ListMetricsQuery& q) const override EXCLUDES(mu_) {
    std::string after;
    if (!q.next_token.empty() && !base64::DecodeToString(q.next_token, &after))
      return Status(Errc::kInvalidArgument, "invalid NextToken");
    const size_t page_size = q.page_size == 0 ? 500 : q.page_size;
    MutexLock lock(&mu_);
    const int64_t now = clock_->NowMillis();
    const int64_t newer_than = now - (q.recently_active ? std::min<int64_t>(options_.list_window_ms, 3 * 3600 * 1000)
                                                        : options_.list_window_ms);
    ListMetricsPage page;
    auto it = after.empty() ? series_.begin() : series_.upper_bound(after);
    for (; it != series_.end(); ++it) {
      const Series& s = *it->second;
      if (s.last_ts < newer_than || !Matches(s.id, q)) continue;
      if (page.metrics.size() == page_size) {
        base64::AppendEncoded(page.metrics.back().Key(), &page.next_token);
        break;
      }
      page.metrics.push_back(s.id);
    }
    return page;
  }

  Status Flush() override EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    return FlushLocked(/*all=*/false);
  }

  Status FlushAll() override EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    return FlushLocked(/*all=*/true);
  }

  Status EnforceRetention() override EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    const int64_t now = clock_->NowMillis();
    const int64_t oldest = now - std::max({retention_ms_[0], retention_ms_[1], retention_ms_[2], retention_ms_[3]});
    SLUICE_RETURN_IF_ERROR(Exec("BEGIN", "starting retention"));
    // Per series, so every delete is a primary-key range (tier, series, chunk_start < x) rather
    // than a scan of the whole tier.
    std::vector<Series*> gone;
    for (auto& [key, s] : series_) {
      if (s->row_id == 0) continue;
      for (int t = 0; t < kTiers; ++t) {
        // A chunk goes once its newest point is past retention.
        StmtUse d_use(&delete_chunks_);
        sqlite3_stmt* d = d_use.get();
        sqlite3_bind_int(d, 1, t);
        sqlite3_bind_int64(d, 2, s->row_id);
        sqlite3_bind_int64(d, 3, now - retention_ms_[t] - ChunkSpanMs(t) + 1);
        if (int rc = sqlite3_step(d); rc != SQLITE_DONE) {
          Exec("ROLLBACK", "rolling back").IgnoreError();
          return SqliteError(db_, rc, "dropping old points");
        }
      }
      // A series with no data left in the longest tier is forgotten.
      if (s->last_ts < oldest) {
        StmtUse d_use(&delete_series_);
        sqlite3_stmt* d = d_use.get();
        sqlite3_bind_int64(d, 1, s->row_id);
        if (int rc = sqlite3_step(d); rc != SQLITE_DONE) {
          Exec("ROLLBACK", "rolling back").IgnoreError();
          return SqliteError(db_, rc, "dropping old series");
        }
      }
    }
    SLUICE_RETURN_IF_ERROR(Exec("COMMIT", "committing retention"));
    for (auto it = series_.begin(); it != series_.end();) {
      Series* s = it->second.get();
      for (int t = 0; t < kTiers; ++t) {
        std::erase_if(s->pending[t], [&](const ChunkPoint& p) { return p.timestamp_ms < now - retention_ms_[t]; });
      }
      if (s->last_ts < oldest) {
        dirty_.erase(s);
        it = series_.erase(it);
      } else {
        ++it;
      }
    }
    return Status::Ok();
  }

  MetricStoreStats Stats() const override EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    MetricStoreStats st;
    st.series = series_.size();
    for (const auto& [key, s] : series_) {
      for (const auto& p : s->pending) st.pending_points += p.size();
    }
    return st;
  }

 private:
  // The tier a query reads: periods under a minute (or not a whole number of minutes) need the
  // 1-second tier; otherwise the coarsest tier whose resolution divides the period and (above a
  // minute) on whose boundaries the query starts. Every tier holds everything added at its
  // resolution or finer, and coarser tiers are kept longer, so the coarsest eligible tier is also
  // the finest that still retains data of every age the query asks about.
  static int TierFor(int64_t start_ms, int64_t period_s) {
    if (period_s % 60 != 0) return 0;
    for (int t = kTiers - 1; t >= 2; --t) {
      const int64_t res = kTierResolutionS[t];
      if (period_s % res == 0 && start_ms % (res * 1000) == 0) return t;
    }
    return 1;
  }

  static bool Matches(const MetricId& id, const ListMetricsQuery& q) {
    if (q.ns && id.ns != *q.ns) return false;
    if (q.name && id.name != *q.name) return false;
    for (const auto& filter : q.dims) {
      auto d = std::find_if(id.dims.begin(), id.dims.end(), [&](const Dimension& x) { return x.name == filter.first; });
      if (d == id.dims.end() || (filter.second && d->value != *filter.second)) return false;
    }
    return true;
  }

  Series* FindOrCreate(const MetricId& id, const std::string& key) REQUIRES(mu_) {
    auto it = series_.find(key);
    if (it != series_.end()) return it->second.get();
    auto s = std::make_unique<Series>();
    s->id = id;
    s->id.Normalize();
    s->key = key;
    s->row_id = 0;  // assigned when first flushed
    Series* raw = s.get();
    series_.emplace(key, std::move(s));
    return raw;
  }

  Status LoadSeries() REQUIRES(mu_) {
    sqlite3_stmt* q = nullptr;
    int rc = sqlite3_prepare_v2(db_, "SELECT id, ns, name, dims, unit, last_ts FROM series", -1, &q, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, "loading series");
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
      auto s = std::make_unique<Series>();
      s->row_id = sqlite3_column_int64(q, 0);
      s->id.ns.assign(reinterpret_cast<const char*>(sqlite3_column_text(q, 1)),
                      static_cast<size_t>(sqlite3_column_bytes(q, 1)));
      s->id.name.assign(reinterpret_cast<const char*>(sqlite3_column_text(q, 2)),
                        static_cast<size_t>(sqlite3_column_bytes(q, 2)));
      std::string_view dims(static_cast<const char*>(sqlite3_column_blob(q, 3)),
                            static_cast<size_t>(sqlite3_column_bytes(q, 3)));
      if (!MetricId::DecodeDims(dims, &s->id.dims)) {
        sqlite3_finalize(q);
        return Status(Errc::kCorruption, "metrics store: undecodable dimensions");
      }
      s->unit = static_cast<Unit>(sqlite3_column_int(q, 4));
      s->last_ts = sqlite3_column_int64(q, 5);
      s->row_dirty = false;
      s->written_last_ts = s->last_ts;
      s->key = s->id.Key();
      next_row_id_ = std::max(next_row_id_, s->row_id + 1);
      series_.emplace(s->key, std::move(s));
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "loading series");
    return Status::Ok();
  }

  Status FlushLocked(bool all) REQUIRES(mu_) {
    if (dirty_.empty()) return Status::Ok();
    const int64_t now = clock_->NowMillis();
    SLUICE_RETURN_IF_ERROR(Exec("BEGIN", "starting flush"));
    // What stays pending per (series, tier); applied only once the transaction commits, so a
    // failed flush loses nothing.
    struct Kept {
      Series* series;
      int tier;
      std::vector<ChunkPoint> points;
    };
    std::vector<Kept> kept;
    for (Series* s : dirty_) {
      if (s->row_id == 0 && s->pending_row_id == 0) s->pending_row_id = next_row_id_++;
      const int64_t row_id = s->row_id != 0 ? s->row_id : s->pending_row_id;
      // last_ts only feeds ListMetrics' activity windows: rewriting the row every ten minutes
      // keeps it close enough without a row write per series per flush.
      if (s->row_dirty || s->row_id == 0 || all || s->last_ts > s->written_last_ts + 600'000) {
        Status st = WriteSeriesRow(*s, row_id);
        if (!st.ok()) {
          Exec("ROLLBACK", "rolling back").IgnoreError();
          return st;
        }
      }
      for (int t = 0; t < kTiers; ++t) {
        if (s->pending[t].empty()) continue;
        std::vector<ChunkPoint> keep;
        Status st = FlushTier(*s, row_id, t, now, all, &keep);
        if (!st.ok()) {
          Exec("ROLLBACK", "rolling back").IgnoreError();
          return st;
        }
        kept.push_back({s, t, std::move(keep)});
      }
    }
    Status st = Exec("COMMIT", "committing flush");
    if (!st.ok()) {
      Exec("ROLLBACK", "rolling back").IgnoreError();
      return st;
    }
    for (Series* s : dirty_) {
      if (s->row_id == 0) s->row_id = s->pending_row_id;
      if (s->row_written) {
        s->row_dirty = false;
        s->written_last_ts = s->row_written_last_ts;
        s->row_written = false;
      }
    }
    dirty_.clear();
    for (Kept& k : kept) {
      k.series->pending[k.tier] = std::move(k.points);
      if (!k.series->pending[k.tier].empty()) dirty_.insert(k.series);
    }
    return Status::Ok();
  }

  Status WriteSeriesRow(Series& s, int64_t row_id) REQUIRES(mu_) {
    StmtUse u_use(&upsert_series_);
    sqlite3_stmt* u = u_use.get();
    const std::string dims = s.id.EncodeDims();
    sqlite3_bind_int64(u, 1, row_id);
    sqlite3_bind_text(u, 2, s.id.ns.data(), static_cast<int>(s.id.ns.size()), SQLITE_STATIC);
    sqlite3_bind_text(u, 3, s.id.name.data(), static_cast<int>(s.id.name.size()), SQLITE_STATIC);
    sqlite3_bind_blob(u, 4, dims.data(), static_cast<int>(dims.size()), SQLITE_STATIC);
    sqlite3_bind_int(u, 5, static_cast<int>(s.unit));
    sqlite3_bind_int64(u, 6, s.last_ts);
    const int rc = sqlite3_step(u);
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "writing series");
    s.row_written = true;
    s.row_written_last_ts = s.last_ts;
    return Status::Ok();
  }

  // Merges the flushable deltas of one tier into their chunks; the deltas to keep pending go to
  // `keep`.
  Status FlushTier(const Series& s, int64_t row_id, int t, int64_t now, bool all, std::vector<ChunkPoint>* keep)
      REQUIRES(mu_) {
    const std::vector<ChunkPoint>& pending = s.pending[t];
    const int64_t res_ms = kTierResolutionS[t] * 1000;
    const int64_t span = ChunkSpanMs(t);
    std::vector<ChunkPoint> points;
    size_t i = 0;
    while (i < pending.size()) {
      const int64_t chunk_start = FloorTo(pending[i].timestamp_ms, span);
      const size_t first = i;
      bool any = false;
      for (; i < pending.size() && pending[i].timestamp_ms < chunk_start + span; ++i) {
        if (Flushable(t, pending[i], now, all)) {
          any = true;
        } else {
          keep->push_back(pending[i]);
        }
      }
      if (!any) continue;
      SLUICE_RETURN_IF_ERROR(ReadChunk(t, row_id, chunk_start, &points));
      for (size_t j = first; j < i; ++j) {
        if (Flushable(t, pending[j], now, all))
          MergeInto(&points, pending[j].timestamp_ms, pending[j].unit, pending[j].stats);
      }
      encode_buf_.clear();
      EncodeChunk(points, chunk_start, res_ms, &encode_buf_);
      StmtUse u_use(&upsert_chunk_);
      sqlite3_stmt* u = u_use.get();
      sqlite3_bind_int(u, 1, t);
      sqlite3_bind_int64(u, 2, row_id);
      sqlite3_bind_int64(u, 3, chunk_start);
      sqlite3_bind_blob(u, 4, encode_buf_.data(), static_cast<int>(encode_buf_.size()), SQLITE_STATIC);
      const int rc = sqlite3_step(u);
      if (rc != SQLITE_DONE) return SqliteError(db_, rc, "writing points");
    }
    return Status::Ok();
  }

  // Periodic flushes leave open 5-minute and hourly points pending (see the file comment).
  static bool Flushable(int tier, const ChunkPoint& p, int64_t now, bool all) {
    return all || tier < 2 || p.timestamp_ms + kTierResolutionS[tier] * 1000 <= now;
  }

  Status ReadChunk(int tier, int64_t series, int64_t chunk_start, std::vector<ChunkPoint>* points) REQUIRES(mu_) {
    points->clear();
    StmtUse q_use(&select_chunk_);
    sqlite3_stmt* q = q_use.get();
    sqlite3_bind_int(q, 1, tier);
    sqlite3_bind_int64(q, 2, series);
    sqlite3_bind_int64(q, 3, chunk_start);
    sqlite3_bind_int64(q, 4, chunk_start + 1);
    const int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE) return Status::Ok();
    if (rc != SQLITE_ROW) return SqliteError(db_, rc, "reading a chunk");
    std::string_view blob(static_cast<const char*>(sqlite3_column_blob(q, 1)),
                          static_cast<size_t>(sqlite3_column_bytes(q, 1)));
    if (!DecodeChunk(blob, chunk_start, kTierResolutionS[tier] * 1000, points))
      return Status(Errc::kCorruption, "metrics store: undecodable chunk");
    return Status::Ok();
  }

  Status Exec(const char* sql, std::string_view what) REQUIRES(mu_) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
    sqlite3_free(err);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, what);
    return Status::Ok();
  }

  sqlite3* const db_;
  const Clock* const clock_;
  const MetricStoreOptions options_;
  int64_t retention_ms_[kTiers];
  mutable Mutex mu_;
  // Statements and scratch are used only under mu_ (Query is const but reads the database).
  mutable Stmt select_chunk_;
  Stmt upsert_chunk_;
  Stmt upsert_series_;
  Stmt delete_chunks_;
  Stmt delete_series_;
  std::string encode_buf_ GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<Series>> series_ GUARDED_BY(mu_);
  std::set<Series*> dirty_ GUARDED_BY(mu_);
  int64_t next_row_id_ GUARDED_BY(mu_) = 1;
};

Result<std::unique_ptr<MetricStore>> Open(const std::string& path, const Clock* clock, MetricStoreOptions options,
                                          bool on_disk) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status st = SqliteError(db, rc, "opening " + path);
    sqlite3_close_v2(db);
    return st;
  }
  auto store = std::make_unique<SqliteMetricStore>(db, clock, options);
  SLUICE_RETURN_IF_ERROR(store->Init(on_disk));
  return std::unique_ptr<MetricStore>(std::move(store));
}

}  // namespace

Result<std::unique_ptr<MetricStore>> OpenDiskMetricStore(const std::string& path, const Clock* clock,
                                                         MetricStoreOptions options) {
  return Open(path, clock, options, /*on_disk=*/true);
}

std::unique_ptr<MetricStore> NewMemoryMetricStore(const Clock* clock, MetricStoreOptions options) {
  auto r = Open(":memory:", clock, options, /*on_disk=*/false);
  // An in-memory SQLite database only fails to open when out of memory.
  if (!r.ok()) std::abort();
  return std::move(r).value();
}

}  // namespace sluice::metrics
