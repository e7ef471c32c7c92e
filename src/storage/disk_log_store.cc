#include "storage/disk_log_store.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "base/log.h"
#include "base/mutex.h"
#include "base/thread_priority.h"
#include "storage/disk_shard_log.h"
#include "storage/journal.h"
#include "storage/journal_reader.h"
#include "storage/manifest.h"
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

// Memory for frames read back from the journal at start: packed into shared chunks (a shard's
// replayed frames must not each cost a staging chunk of their own).
class ReplayArena {
 public:
  explicit ReplayArena(std::shared_ptr<ChunkPool> pool) : pool_(std::move(pool)) {}
  Result<StagedFrame> Copy(std::string_view frame) {
    if (!chunk_ || used_ + frame.size() > chunk_->capacity()) {
      chunk_ = std::make_shared<JournalChunk>(pool_, std::max<size_t>(frame.size(), kStagingChunkBytes), 0, 0);
      if (!chunk_->ok()) return Status(Errc::kUnavailable, "out of memory replaying the journal");
      used_ = 0;
    }
    char* p = chunk_->data() + used_;
    std::memcpy(p, frame.data(), frame.size());
    used_ += frame.size();
    return StagedFrame{chunk_, p, static_cast<uint32_t>(frame.size()), {}};
  }

 private:
  std::shared_ptr<ChunkPool> pool_;
  std::shared_ptr<JournalChunk> chunk_;
  size_t used_ = 0;
};

using LogPtr = std::shared_ptr<DiskShardLog>;

// Threads writing shards' segment files in a checkpoint (device queue depth; the measured gain
// flattens beyond a few).
constexpr size_t kCheckpointThreads = 4;

// Shard logs with frames in memory (or a segment roll to do): what the next checkpoint visits.
struct Dirty {
  Mutex mu;
  CondVar cv;
  std::unordered_set<LogPtr> logs GUARDED_BY(mu);
  uint64_t unflushed_bytes GUARDED_BY(mu) = 0;
  bool stop GUARDED_BY(mu) = false;
  void Mark(LogPtr log) EXCLUDES(mu) {
    MutexLock lock(&mu);
    logs.insert(std::move(log));
  }
};

class DiskLogStoreImpl final : public DiskLogStore {
 public:
  DiskLogStoreImpl(FileSystem* fs, DiskLogStoreOptions options)
      : env_(std::make_shared<StoreEnv>()),
        pool_(
            std::make_shared<ChunkPool>(std::clamp<size_t>(options.write_buffer_bytes / kStagingChunkBytes, 16, 1024))),
        dirty_(std::make_shared<Dirty>()) {
    env_->fs = fs;
    env_->files = std::make_shared<FileCache>(fs, options.max_open_files);
    env_->options = std::move(options);
    env_->pool = pool_;
    env_->mark_dirty = [dirty = dirty_](LogPtr log) { dirty->Mark(std::move(log)); };
    if (env_->options.read_ahead_threads > 0 && env_->options.read_ahead_max_bytes > 0) {
      read_ahead_ = std::make_unique<ReadAheadPool>(env_->options.read_ahead_threads);
      env_->read_ahead = read_ahead_.get();
      env_->read_ahead_budget = std::make_shared<ReadAheadBudget>(env_->options.read_ahead_max_bytes);
    }
  }

  ~DiskLogStoreImpl() override {
    {
      MutexLock lock(&dirty_->mu);
      dirty_->stop = true;
    }
    dirty_->cv.SignalAll();
    if (ckpt_thread_.joinable()) ckpt_thread_.join();
    if (journal_) {
      journal_->Stop();
      // A clean stop leaves nothing to replay.
      if (started_) {
        try {
          Status st = RunCheckpoint(false);
          if (!st.ok()) SLOG(kWarn, "storage", "final checkpoint failed", {{"error", st.ToString()}});
        } catch (const std::exception& e) {  // out of memory or threads: the journal still has it all
          SLOG(kWarn, "storage", "final checkpoint failed", {{"error", e.what()}});
        }
      }
    }
    {
      MutexLock lock(&dirty_->mu);
      dirty_->logs.clear();  // logs hold the env, which holds the set: break the cycle
    }
    env_->read_ahead = nullptr;
    read_ahead_.reset();
  }

  Status Start() {
    const DiskLogStoreOptions& o = env_->options;
    jdir_ = o.dir + "/" + std::string(journal::kDirName);
    SLUICE_RETURN_IF_ERROR(env_->fs->CreateDirs(jdir_));
    SLUICE_ASSIGN_OR_RETURN(std::optional<manifest::ReadResult> read, manifest::ReadManifest(*env_->fs, jdir_));
    uint64_t manifest_number = 0;
    if (read) {
      // A stream dropped just before a crash may still be in the manifest: its directory is
      // gone, so is its state (the startup checkpoint's snapshot forgets it).
      SLUICE_ASSIGN_OR_RETURN(const std::vector<std::string> streams, env_->fs->ListDir(o.dir));
      std::unordered_set<uint64_t> uids;
      for (const std::string& n : streams)
        if (auto uid = segment::ParseStreamDirName(n)) uids.insert(*uid);
      std::erase_if(read->manifest.shards, [&](const auto& e) { return !uids.contains(e.first.first); });
      MutexLock lock(&manifest_mu_);
      manifest_ = std::move(read->manifest);
      manifest_number = read->file_number;
    }
    SLUICE_ASSIGN_OR_RETURN(const std::vector<std::string> names, env_->fs->ListDir(jdir_));
    std::vector<uint64_t> numbers;
    for (const std::string& n : names)
      if (auto num = journal::ParseFileName(n)) numbers.push_back(*num);
    std::sort(numbers.begin(), numbers.end());

    JournalOptions jo;
    jo.dir = jdir_;
    jo.durability = o.durability;
    jo.sync_interval_ms = o.sync_interval_ms;
    jo.file_bytes = o.journal_file_bytes;
    jo.zero_fill_max_bytes = o.zero_fill_max_bytes;
    jo.direct_io = o.direct_io;
    jo.direct_io_min_bytes = o.direct_io_min_bytes;
    jo.write_buffer_bytes = o.write_buffer_bytes;
    jo.write_buffer_wait_ms = o.write_buffer_wait_ms;
    jo.failure_retry_ms = o.failure_retry_ms;
    jo.clock = o.clock;
    const uint64_t checkpoint_bytes = o.checkpoint_bytes;
    journal_ = std::make_shared<Journal>(env_->fs, jo, pool_, [dirty = dirty_, checkpoint_bytes](uint64_t bytes) {
      bool wake = false;
      {
        MutexLock lock(&dirty->mu);
        dirty->unflushed_bytes += bytes;
        wake = dirty->unflushed_bytes >= checkpoint_bytes;
      }
      if (wake) dirty->cv.Signal();
    });
    env_->journal = journal_;

    uint64_t next_number = numbers.empty() ? 1 : numbers.back() + 1;
    std::optional<journal::Position> from;
    if (read) {
      MutexLock lock(&manifest_mu_);
      from = manifest_.replay_from;
    } else if (!numbers.empty()) {
      // No manifest but journal files: the manifest was lost; replay all of it (frames the
      // segments already hold are skipped).
      from = journal::Position{numbers.front(), journal::kFileHeaderBytes};
    }
    if (from && !numbers.empty()) SLUICE_RETURN_IF_ERROR(Replay(*from));
    if (from) next_number = std::max(next_number, from->file_number + 1);
    SLUICE_RETURN_IF_ERROR(journal_->Start(next_number, {}));
    started_ = true;
    // Everything replayed goes to the segment files and a new manifest names the new journal
    // file as the replay start, before anything is appended.
    SLUICE_RETURN_IF_ERROR(RunCheckpoint(/*startup=*/true, manifest_number));
    journal_->AddSpares(numbers);
    {
      MutexLock lock(&mu_);
      pinned_.clear();
    }
    ckpt_thread_ = std::thread([this] { CheckpointLoop(); });
    return Status::Ok();
  }

  Result<std::shared_ptr<ShardLog>> OpenShard(const ShardKey& key) override {
    MutexLock lock(&mu_);
    SLUICE_ASSIGN_OR_RETURN(LogPtr log, OpenLocked(key, /*create=*/true));
    return std::shared_ptr<ShardLog>(log);
  }

  Status DropStream(uint64_t stream_uid) override {
    // No checkpoint writes this stream's files while they are removed.
    MutexLock ck(&ckpt_mu_);
    {
      MutexLock lock(&mu_);
      auto it = logs_.lower_bound({stream_uid, 0});
      while (it != logs_.end() && it->first.first == stream_uid) {
        if (auto live = it->second.lock()) live->MarkDropped();
        it = logs_.erase(it);
      }
      std::erase_if(pinned_, [&](const LogPtr& l) { return l->key().stream_uid == stream_uid; });
    }
    {
      MutexLock lock(&manifest_mu_);
      auto it = manifest_.shards.lower_bound({stream_uid, 0});
      while (it != manifest_.shards.end() && it->first.first == stream_uid) it = manifest_.shards.erase(it);
      std::erase_if(pending_states_, [&](const manifest::ShardState& s) { return s.stream_uid == stream_uid; });
    }
    SLUICE_RETURN_IF_ERROR(env_->fs->RemoveAll(env_->options.dir + "/" + segment::StreamDirName(stream_uid)));
    SLUICE_RETURN_IF_ERROR(env_->fs->SyncDir(env_->options.dir));
    // The manifest file still names the stream's shards (deltas never remove one): a fresh
    // snapshot forgets them, or a restart would open them from states whose segments are gone.
    if (!writer_) return Status::Ok();
    MutexLock lock(&manifest_mu_);
    SLUICE_ASSIGN_OR_RETURN(writer_,
                            manifest::ManifestWriter::Create(env_->fs, jdir_, manifest_, writer_->file_number()));
    return Status::Ok();
  }

  Result<std::vector<uint64_t>> ListStreams() override {
    SLUICE_ASSIGN_OR_RETURN(const std::vector<std::string> names, env_->fs->ListDir(env_->options.dir));
    std::vector<uint64_t> uids;
    for (const std::string& n : names)
      if (auto uid = segment::ParseStreamDirName(n)) uids.push_back(*uid);
    return uids;
  }

  ReadAheadStats read_ahead_stats() const override {
    return env_->read_ahead_budget ? env_->read_ahead_budget->stats() : ReadAheadStats{};
  }

  size_t open_files() const override { return env_->files->open_files(); }

  uint64_t DiskBytes() const override {
    MutexLock lock(&mu_);
    uint64_t n = 0;
    for (const auto& [k, w] : logs_)
      if (auto live = w.lock()) n += live->DataBytes();
    return n;
  }

  Status Checkpoint() override { return RunCheckpoint(false); }

  void Flush() override {
    if (!journal_) return;
    journal_->Barrier();
    Status st = RunCheckpoint(false);
    if (!st.ok()) SLOG(kWarn, "storage", "checkpoint failed", {{"error", st.ToString()}});
  }

 private:
  std::string ShardDir(const ShardKey& key) const {
    return env_->options.dir + "/" + segment::StreamDirName(key.stream_uid) + "/" +
           segment::ShardDirName(key.shard_index);
  }

  // create = false (journal replay): a shard whose directory is gone belonged to a dropped stream.
  Result<LogPtr> OpenLocked(const ShardKey& key, bool create) REQUIRES(mu_) {
    auto it = logs_.find({key.stream_uid, key.shard_index});
    if (it != logs_.end()) {
      if (auto live = it->second.lock()) return live;
    }
    std::string dir = ShardDir(key);
    if (!create && !env_->fs->Exists(dir)) return LogPtr();
    auto log = std::make_shared<DiskShardLog>(env_, key, std::move(dir));
    std::optional<manifest::ShardState> state;
    {
      MutexLock lock(&manifest_mu_);
      auto m = manifest_.shards.find({key.stream_uid, key.shard_index});
      if (m != manifest_.shards.end()) state = m->second;
    }
    SLUICE_RETURN_IF_ERROR(log->Recover(state ? &*state : nullptr));
    if (!state) {
      // Recovered by scanning (a data directory from before the journal): the next
      // checkpoint records it, so the next start need not scan it again.
      manifest::ShardState st = log->DurableState();
      if (st.data_bytes > 0 || st.end_offset > 0) {
        MutexLock lock(&manifest_mu_);
        pending_states_.push_back(std::move(st));
      }
    }
    logs_[{key.stream_uid, key.shard_index}] = log;
    return log;
  }

  Status Replay(journal::Position from) {
    SLOG(kInfo, "storage", "replaying the journal",
         {{"file", std::to_string(from.file_number)}, {"position", std::to_string(from.position)}});
    ReplayArena arena(pool_);
    auto copy = [&](std::string_view b) { return arena.Copy(b); };
    SLUICE_ASSIGN_OR_RETURN(
        const journal::End end,
        journal::ReadJournal(
            *env_->fs, jdir_, from,
            [&](const journal::Entry& e) -> Status {
              LogPtr log;
              {
                MutexLock lock(&mu_);
                SLUICE_ASSIGN_OR_RETURN(log, OpenLocked({e.header.stream_uid, e.header.shard_index}, false));
                if (log) pinned_.push_back(log);
              }
              if (!log) return Status::Ok();
              return log->Replay(e.frame, e.frame_bytes, e.at, copy);
            },
            [](uint64_t bytes) {
              SLOG(kInfo, "storage", "replaying the journal", {{"mib_read", std::to_string(bytes >> 20)}});
            }));
    SLOG(kInfo, "storage", "journal replayed",
         {{"files", std::to_string(end.files)},
          {"entries", std::to_string(end.entries)},
          {"bytes", std::to_string(end.bytes)},
          {"end_file", std::to_string(end.end.file_number)},
          {"end_position", std::to_string(end.end.position)},
          {"ended_by", std::string(journal::EntryCheckName(end.check))}});
    return Status::Ok();
  }

  Status RunCheckpoint(bool startup, uint64_t previous_manifest = 0) EXCLUDES(ckpt_mu_) {
    MutexLock ck(&ckpt_mu_);
    const journal::Position cut = journal_->CommittedEnd();
    std::vector<LogPtr> dirty;
    {
      MutexLock lock(&dirty_->mu);
      dirty.assign(dirty_->logs.begin(), dirty_->logs.end());
      dirty_->logs.clear();
      dirty_->unflushed_bytes = 0;
    }
    std::vector<manifest::ShardState> pending;
    {
      MutexLock lock(&manifest_mu_);
      pending.swap(pending_states_);
    }
    const int64_t t0 = env_->options.clock->MonotonicNanos();
    int64_t t_written = t0, t_synced = t0;
    // Shards are written by a few threads: each segment write waits for the device, and one
    // after another they would leave it idle (1,000 shards took seconds).
    enum : int8_t { kNotTried, kNothing, kWritten, kFailed };
    std::vector<int8_t> outcome(dirty.size(), kNotTried);
    std::atomic<size_t> next{0};
    std::atomic<bool> stop{false};
    Mutex st_mu;
    Status st;
    auto work = [&](ReadBuffer* scratch) {
      for (size_t i; !stop.load() && (i = next.fetch_add(1)) < dirty.size();) {
        const LogPtr& log = dirty[i];
        if (log->dropped()) {
          outcome[i] = kNothing;
          continue;
        }
        auto r = log->CheckpointWrite(cut, scratch);
        if (!r.ok() && !log->dropped()) {
          outcome[i] = kFailed;
          stop = true;
          MutexLock lock(&st_mu);
          if (st.ok()) st = r.status();
          continue;
        }
        outcome[i] = r.ok() && *r ? kWritten : kNothing;
      }
    };
    const size_t threads = std::min<size_t>(scratch_.size(), 1 + dirty.size() / 16);
    std::vector<std::thread> helpers;
    for (size_t t = 1; t < threads; ++t) {
      helpers.emplace_back([&work, scratch = &scratch_[t]] {
        LowerCurrentThreadPriority();
        work(scratch);
      });
    }
    work(&scratch_[0]);
    for (std::thread& t : helpers) t.join();
    std::vector<LogPtr> written;
    for (size_t i = 0; i < dirty.size(); ++i)
      if (outcome[i] == kWritten) written.push_back(dirty[i]);
    // The journal files before the cut are released below: a cut in a later file than the
    // manifest's replay_from must be recorded even when no shard changed (after a journal
    // failure, or when only dropped shards had data), or a crash would replay from a file
    // that was recycled, and lose what the later files hold.
    bool cut_moved;
    {
      MutexLock lock(&manifest_mu_);
      cut_moved = cut.file_number > manifest_.replay_from.file_number;
    }
    if (st.ok() && (startup || cut_moved || !written.empty() || !pending.empty())) {
      t_written = env_->options.clock->MonotonicNanos();
      st = env_->fs->SyncFileSystem(env_->options.dir);
      t_synced = env_->options.clock->MonotonicNanos();
      if (st.ok()) {
        manifest::Record rec;
        rec.replay_from = cut;
        for (manifest::ShardState& s : pending) rec.shards.push_back({std::move(s), 0});
        for (const LogPtr& log : written) rec.shards.push_back(log->CheckpointDelta());
        MutexLock lock(&manifest_mu_);
        manifest::Apply(rec, &manifest_);
        if (startup || !writer_) {
          auto w = manifest::ManifestWriter::Create(env_->fs, jdir_, manifest_,
                                                    writer_ ? writer_->file_number() : previous_manifest);
          if (w.ok()) {
            writer_ = std::move(*w);
          } else {
            st = w.status();
          }
        } else {
          st = writer_->Append(rec, manifest_);
        }
      }
    }
    if (!st.ok()) {
      SLOG(kError, "storage", "checkpoint failed; will retry", {{"error", st.ToString()}});
      for (size_t i = 0; i < dirty.size(); ++i) {
        if (outcome[i] == kWritten || outcome[i] == kFailed) dirty[i]->CheckpointAbort();
        if (outcome[i] == kNotTried) dirty_->Mark(dirty[i]);
      }
      // The manifest may not have them: record them with the next checkpoint.
      MutexLock lock(&manifest_mu_);
      for (const manifest::ShardState& s : pending) pending_states_.push_back(s);
      return st;
    }
    uint64_t bytes = 0;
    for (const LogPtr& log : written) bytes += log->CheckpointBytes();
    for (const LogPtr& log : written) log->CheckpointPublish();
    journal_->Release(cut);
    if (!written.empty()) {
      const int64_t t1 = env_->options.clock->MonotonicNanos();
      SLOG(kDebug, "storage", "checkpoint",
           {{"shards", std::to_string(written.size())},
            {"bytes", std::to_string(bytes)},
            {"write_ms", std::to_string((t_written - t0) / 1'000'000)},
            {"sync_ms", std::to_string((t_synced - t_written) / 1'000'000)},
            {"total_ms", std::to_string((t1 - t0) / 1'000'000)},
            {"buffered_mib", std::to_string(pool_->live_bytes() >> 20)}});
    }
    return Status::Ok();
  }

  void CheckpointLoop() {
    // Checkpoints are background work: appends and reads go first when the CPU is short.
    LowerCurrentThreadPriority();
    const DiskLogStoreOptions& o = env_->options;
    int64_t last = env_->MonotonicMillis();
    int64_t retry_at = 0;
    while (true) {
      {
        MutexLock lock(&dirty_->mu);
        bool waited_idle = false;
        while (!dirty_->stop) {
          bool work = !dirty_->logs.empty();
          if (work && dirty_->unflushed_bytes >= o.checkpoint_bytes && retry_at == 0) break;
          int64_t now = env_->MonotonicMillis();
          int64_t due = std::max(last + o.checkpoint_interval_ms, retry_at);
          if (work && now >= due) break;
          int64_t wait = work ? std::max<int64_t>(1, due - now) : o.checkpoint_interval_ms;
          // Idle for a whole interval: staging buffers kept for the load are given back.
          if (!work && waited_idle) pool_->TrimToRecentPeak();
          waited_idle = !work;
          dirty_->cv.WaitFor(&dirty_->mu, std::chrono::milliseconds(wait));
        }
        if (dirty_->stop) return;
      }
      Status st = RunCheckpoint(false);
      last = env_->MonotonicMillis();
      retry_at = st.ok() ? 0 : last + o.failure_retry_ms;
    }
  }

  std::shared_ptr<StoreEnv> env_;
  std::shared_ptr<ChunkPool> pool_;
  std::shared_ptr<Dirty> dirty_;
  std::unique_ptr<ReadAheadPool> read_ahead_;
  std::shared_ptr<Journal> journal_;
  std::string jdir_;
  bool started_ = false;

  // Serialises checkpoints with each other and with DropStream.
  Mutex ckpt_mu_;
  std::unique_ptr<manifest::ManifestWriter> writer_ GUARDED_BY(ckpt_mu_);
  // One reused buffer per checkpoint writer thread (fresh pages fault in this VM).
  std::vector<ReadBuffer> scratch_ GUARDED_BY(ckpt_mu_) = std::vector<ReadBuffer>(kCheckpointThreads);

  mutable Mutex mu_ ACQUIRED_AFTER(ckpt_mu_);
  std::map<std::pair<uint64_t, uint32_t>, std::weak_ptr<DiskShardLog>> logs_ GUARDED_BY(mu_);
  std::vector<LogPtr> pinned_ GUARDED_BY(mu_);  // replayed shards, held until the first checkpoint

  Mutex manifest_mu_ ACQUIRED_AFTER(mu_);  // innermost
  manifest::Manifest manifest_ GUARDED_BY(manifest_mu_);
  std::vector<manifest::ShardState> pending_states_ GUARDED_BY(manifest_mu_);

  std::thread ckpt_thread_;
};

}  // namespace
}  // namespace internal

Result<std::unique_ptr<DiskLogStore>> OpenDiskLogStore(FileSystem* fs, DiskLogStoreOptions options) {
  if (options.segment_bytes < 4096) return Status(Errc::kInvalidArgument, "segment size must be at least 4 KiB");
  if (options.index_interval_bytes == 0) return Status(Errc::kInvalidArgument, "index interval must be positive");
  if (options.journal_file_bytes < kMinJournalFileBytes) {
    return Status(Errc::kInvalidArgument, "journal file size must be at least " +
                                              std::to_string(kMinJournalFileBytes >> 20) +
                                              " MiB (an empty file holds the largest batch)");
  }
  auto store = std::make_unique<internal::DiskLogStoreImpl>(fs, std::move(options));
  SLUICE_RETURN_IF_ERROR(store->Start());
  return std::unique_ptr<DiskLogStore>(std::move(store));
}

}  // namespace sluice::storage
