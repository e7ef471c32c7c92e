#include "storage/disk_log_store.h"

#include <chrono>
#include <map>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "base/log.h"
#include "base/mutex.h"
#include "storage/disk_shard_log.h"
#include "storage/segment_format.h"

namespace sluice::storage {

std::string_view DurabilityName(Durability d) {
  switch (d) {
    case Durability::kSync: return "sync";
    case Durability::kInterval: return "interval";
    case Durability::kNone: return "none";
  }
  return "sync";
}

std::optional<Durability> ParseDurability(std::string_view s) {
  if (s == "sync") return Durability::kSync;
  if (s == "interval") return Durability::kInterval;
  if (s == "none") return Durability::kNone;
  return std::nullopt;
}

namespace internal {
namespace {

// One commit thread: takes the shards queued since its last round and commits them together,
// so that their writes are issued before any of the fdatasyncs.
class Committer {
 public:
  explicit Committer(const StoreEnv* env) : env_(env) {}
  ~Committer() { Stop(); }

  void Start() {
    thread_ = std::thread([this] { Loop(); });
  }

  void Stop() {
    {
      MutexLock lock(&mu_);
      if (stopped_) return;
      stop_ = true;
    }
    cv_.Signal();
    if (thread_.joinable()) thread_.join();
    MutexLock lock(&mu_);
    stopped_ = true;
    // Logs hold their committer (to enqueue): drop ours so neither keeps the other alive.
    unsynced_.clear();
    failed_.clear();
    queue_.clear();
  }

  void Enqueue(std::shared_ptr<DiskShardLog> log) {
    {
      MutexLock lock(&mu_);
      if (!stopped_) {
        queue_.push_back(std::move(log));
        cv_.Signal();
        return;
      }
    }
    // After shutdown (a log outliving its store) commit on the caller's thread.
    std::vector<std::shared_ptr<DiskShardLog>> one{std::move(log)};
    MutexLock lock(&late_mu_);
    Commit(one, true);
    SyncAll();
    failed_.clear();  // no thread is left to retry; the log fails its next appends
  }

  // Returns once everything queued before the call is written and every file is synced.
  void Barrier() {
    MutexLock lock(&mu_);
    if (stopped_) return;
    uint64_t ticket = ++barrier_requested_;
    cv_.Signal();
    while (barrier_done_ < ticket && !stopped_) done_cv_.Wait(&mu_);
  }

 private:
  void Commit(std::vector<std::shared_ptr<DiskShardLog>>& batch, bool force_sync) {
    for (auto& log : batch) {
      log->BeginRound();
      log->WriteRound();
    }
    for (auto& log : batch) log->SyncRound(force_sync);
    for (auto& log : batch) {
      log->FinishRound();
      if (log->HasUnsynced()) unsynced_.insert(log);
      if (log->retry_at_ms() != INT64_MAX) failed_.insert(log);
    }
  }

  void SyncAll() {
    for (auto& log : unsynced_) {
      // A failed sync marks the shard failed; it re-runs recovery after its back-off.
      if (!log->SyncWriter().ok()) failed_.insert(log);
    }
    unsynced_.clear();
    last_sync_ms_ = env_->MonotonicMillis();
  }

  void Loop() {
    const DiskLogStoreOptions& o = env_->options;
    std::vector<std::shared_ptr<DiskShardLog>> batch;
    while (true) {
      uint64_t barrier = 0;
      bool barrier_due = false;
      bool stopping = false;
      {
        MutexLock lock(&mu_);
        int64_t deadline = INT64_MAX;
        if (!unsynced_.empty() && o.durability == Durability::kInterval) deadline = last_sync_ms_ + o.sync_interval_ms;
        for (auto& f : failed_) deadline = std::min(deadline, f->retry_at_ms());
        if (deadline == INT64_MAX) {
          while (!WorkReady()) cv_.Wait(&mu_);
        } else if (!WorkReady()) {
          // One timed wait: a spurious wake-up only costs a pass that finds nothing due.
          int64_t wait = std::max<int64_t>(0, deadline - env_->MonotonicMillis());
          cv_.WaitFor(&mu_, std::chrono::milliseconds(wait));
        }
        batch.swap(queue_);
        barrier = barrier_requested_;
        barrier_due = barrier > barrier_done_;
        stopping = stop_;
      }
      int64_t now = env_->MonotonicMillis();
      bool interval_due = o.durability == Durability::kInterval && now - last_sync_ms_ >= o.sync_interval_ms;
      if (!batch.empty()) Commit(batch, interval_due);
      batch.clear();
      if (interval_due || barrier_due || stopping) SyncAll();
      for (auto it = failed_.begin(); it != failed_.end();) {
        if ((*it)->retry_at_ms() <= now) (*it)->RetryRecovery();
        it = (*it)->retry_at_ms() == INT64_MAX ? failed_.erase(it) : std::next(it);
      }
      {
        MutexLock lock(&mu_);
        if (barrier_due) {
          barrier_done_ = barrier;
          done_cv_.SignalAll();
        }
        if (stopping && queue_.empty()) {
          stopped_ = true;
          done_cv_.SignalAll();
          return;
        }
      }
    }
  }

  bool WorkReady() const REQUIRES(mu_) { return stop_ || !queue_.empty() || barrier_requested_ > barrier_done_; }

  const StoreEnv* env_;
  Mutex mu_;
  CondVar cv_;       // work for the loop: queue_, stop_, barrier_requested_
  CondVar done_cv_;  // barrier_done_, stopped_
  std::vector<std::shared_ptr<DiskShardLog>> queue_ GUARDED_BY(mu_);
  bool stop_ GUARDED_BY(mu_) = false;
  bool stopped_ GUARDED_BY(mu_) = false;
  uint64_t barrier_requested_ GUARDED_BY(mu_) = 0;
  uint64_t barrier_done_ GUARDED_BY(mu_) = 0;
  // Serialises commits on callers' threads after Stop (the loop thread has ended): they use the
  // loop-thread state below.
  Mutex late_mu_;
  std::thread thread_;
  // Loop thread only.
  std::unordered_set<std::shared_ptr<DiskShardLog>> unsynced_;
  std::unordered_set<std::shared_ptr<DiskShardLog>> failed_;
  int64_t last_sync_ms_ = env_->MonotonicMillis();
};

class DiskLogStoreImpl final : public DiskLogStore {
 public:
  explicit DiskLogStoreImpl(FileSystem* fs, DiskLogStoreOptions options) : pool_(64) {
    env_.fs = fs;
    env_.options = std::move(options);
    env_.pool = &pool_;
    if (env_.options.read_ahead_threads > 0 && env_.options.read_ahead_max_bytes > 0) {
      read_ahead_ = std::make_unique<ReadAheadPool>(env_.options.read_ahead_threads);
      env_.read_ahead = read_ahead_.get();
      env_.read_ahead_budget = std::make_shared<ReadAheadBudget>(env_.options.read_ahead_max_bytes);
    }
  }
  ~DiskLogStoreImpl() override {
    for (auto& c : committers_) c->Stop();
    env_.read_ahead = nullptr;
    read_ahead_.reset();
  }

  Status Start() {
    SLUICE_RETURN_IF_ERROR(env_.fs->CreateDirs(env_.options.dir));
    uint32_t n = std::max<uint32_t>(1, env_.options.commit_threads);
    for (uint32_t i = 0; i < n; ++i) committers_.push_back(std::make_shared<Committer>(&env_));
    for (auto& c : committers_) c->Start();
    return Status::Ok();
  }

  Result<std::shared_ptr<ShardLog>> OpenShard(const ShardKey& key) override {
    MutexLock lock(&mu_);
    auto it = logs_.find({key.stream_uid, key.shard_index});
    if (it != logs_.end()) {
      if (auto live = it->second.lock()) return std::shared_ptr<ShardLog>(live);
    }
    std::string dir =
        env_.options.dir + "/" + segment::StreamDirName(key.stream_uid) + "/" + segment::ShardDirName(key.shard_index);
    uint32_t slot = static_cast<uint32_t>((key.stream_uid * 31 + key.shard_index) % committers_.size());
    std::shared_ptr<Committer> committer = committers_[slot];
    auto log = std::make_shared<DiskShardLog>(
        &env_, key, std::move(dir), [committer](std::shared_ptr<DiskShardLog> l) { committer->Enqueue(std::move(l)); });
    SLUICE_RETURN_IF_ERROR(log->Recover());
    logs_[{key.stream_uid, key.shard_index}] = log;
    return std::shared_ptr<ShardLog>(log);
  }

  Status DropStream(uint64_t stream_uid) override {
    {
      MutexLock lock(&mu_);
      auto it = logs_.lower_bound({stream_uid, 0});
      while (it != logs_.end() && it->first.first == stream_uid) {
        if (auto live = it->second.lock()) live->MarkDropped();
        it = logs_.erase(it);
      }
    }
    SLUICE_RETURN_IF_ERROR(env_.fs->RemoveAll(env_.options.dir + "/" + segment::StreamDirName(stream_uid)));
    return env_.fs->SyncDir(env_.options.dir);
  }

  Result<std::vector<uint64_t>> ListStreams() override {
    SLUICE_ASSIGN_OR_RETURN(const std::vector<std::string> names, env_.fs->ListDir(env_.options.dir));
    std::vector<uint64_t> uids;
    for (const std::string& n : names)
      if (auto uid = segment::ParseStreamDirName(n)) uids.push_back(*uid);
    return uids;
  }

  ReadAheadStats read_ahead_stats() const override {
    return env_.read_ahead_budget ? env_.read_ahead_budget->stats() : ReadAheadStats{};
  }

  uint64_t DiskBytes() const override {
    MutexLock lock(&mu_);
    uint64_t n = 0;
    for (const auto& [k, w] : logs_)
      if (auto live = w.lock()) n += live->DataBytes();
    return n;
  }

  void Flush() override {
    for (auto& c : committers_) c->Barrier();
  }

 private:
  StoreEnv env_;
  ChunkPool pool_;
  std::unique_ptr<ReadAheadPool> read_ahead_;
  std::vector<std::shared_ptr<Committer>> committers_;
  mutable Mutex mu_;
  std::map<std::pair<uint64_t, uint32_t>, std::weak_ptr<DiskShardLog>> logs_ GUARDED_BY(mu_);
};

}  // namespace
}  // namespace internal

Result<std::unique_ptr<DiskLogStore>> OpenDiskLogStore(FileSystem* fs, DiskLogStoreOptions options) {
  if (options.segment_bytes < 4096) return Status(Errc::kInvalidArgument, "segment size must be at least 4 KiB");
  if (options.index_interval_bytes == 0) return Status(Errc::kInvalidArgument, "index interval must be positive");
  auto store = std::make_unique<internal::DiskLogStoreImpl>(fs, std::move(options));
  SLUICE_RETURN_IF_ERROR(store->Start());
  return std::unique_ptr<DiskLogStore>(std::move(store));
}

}  // namespace sluice::storage
