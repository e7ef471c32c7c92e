#pragma once
// The shared journal's writer (format: journal_format.h; design: docs/architecture.md). Every
// shard log stages its appends here; one commit thread writes everything staged since its last
// round with one sequential write (O_DIRECT where allowed) and one fdatasync, whatever the
// number of shards touched, then publishes the frames to their shards and completes the
// appends. Internal to the storage module.
//
// Staged bytes live in JournalChunks: 4 KiB-aligned buffers that mirror a range of a journal
// file. A frame's bytes stay where they were staged until a checkpoint has moved them to their
// shard's segment file: shard logs hold the chunk (shared ownership) for as long as they serve
// reads of the frame from memory, so the journal's staging memory is also the write buffer.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/file_system.h"
#include "base/mutex.h"
#include "base/status.h"
#include "storage/disk_log_store.h"
#include "storage/journal_format.h"
#include "storage/shard_log.h"
#include "storage/staging_chunk.h"

namespace sluice::storage::internal {

class DiskShardLog;

// Staging memory shared by the journal and the shard logs. buf[0, len) mirrors bytes
// [base, base + len) of journal file `file_number`; appended to under the journal's lock only.
class JournalChunk {
 public:
  JournalChunk(std::shared_ptr<ChunkPool> pool, size_t bytes, uint64_t file_number, uint64_t base);
  ~JournalChunk();
  JournalChunk(const JournalChunk&) = delete;
  JournalChunk& operator=(const JournalChunk&) = delete;

  bool ok() const { return buf_ != nullptr; }
  char* data() const { return buf_.get(); }
  size_t capacity() const { return capacity_; }
  uint64_t file_number() const { return file_number_; }
  uint64_t base() const { return base_; }

 private:
  std::shared_ptr<ChunkPool> pool_;
  AlignedBuffer buf_;
  size_t capacity_ = 0;
  uint64_t file_number_;
  uint64_t base_;
};

// A frame as staged: its bytes stay valid while `chunk` is held.
struct StagedFrame {
  std::shared_ptr<JournalChunk> chunk;
  const char* bytes = nullptr;  // the segment frame (header + payload), without the entry header
  uint32_t length = 0;
  journal::Position at;  // where its journal entry starts
};

// One append waiting for its round.
struct JournalAppend {
  std::shared_ptr<DiskShardLog> log;
  uint64_t first_offset = 0;
  uint32_t count = 0;
  int64_t arrival_ms = 0;
  StagedFrame frame;
  AppendCallback done;
};

struct JournalOptions {
  std::string dir;  // <store dir>/journal
  Durability durability = Durability::kSync;
  int64_t sync_interval_ms = 200;
  uint64_t file_bytes = 64ull << 20;
  uint64_t zero_fill_max_bytes = 8ull << 20;
  bool direct_io = true;
  uint64_t direct_io_min_bytes = 64 << 10;
  uint64_t write_buffer_bytes = 512ull << 20;  // staged + unflushed bytes; beyond, Stage waits, then fails
  int64_t write_buffer_wait_ms = 2000;         // ... this long for a checkpoint to free room, then kUnavailable
  int64_t failure_retry_ms = 1000;
  uint32_t max_spare_files = 4;
  const Clock* clock = SystemClock::Default();
};

static_assert(kMinJournalFileBytes ==
              journal::kFileHeaderBytes + 2 * journal::kEntryHeaderBytes + segment::kMaxFrameBytes);

class Journal {
 public:
  // on_round(bytes): called on the commit thread after each round is published, with the frame
  // bytes it published (the store counts unflushed bytes and wakes its checkpoint).
  Journal(FileSystem* fs, JournalOptions options, std::shared_ptr<ChunkPool> pool,
          std::function<void(uint64_t)> on_round);
  ~Journal();

  // Begins writing at file `first_number` (a new file: the writer never appends after a
  // recovered end). `spares`: numbers of old journal files that may be recycled.
  Status Start(uint64_t first_number, std::vector<uint64_t> spares);
  // Writes and syncs what is staged, then stops the commit thread. Later Stage calls fail.
  void Stop();

  // Stages one frame for (uid, shard): copies the header and payload, seals the frame and its
  // entry, and queues `*a` (whose frame is filled in, then moved from) for the next round.
  // Called under the shard's append lock, so a shard's frames are staged in offset order. On
  // error nothing is staged and `*a` is left as it was (the caller fails its callback).
  Status Stage(uint64_t stream_uid, uint32_t shard_index, const segment::FrameHeader& header, std::string_view payload,
               JournalAppend* a) EXCLUDES(mu_);

  // Every entry before this position has been published to its shard.
  journal::Position CommittedEnd() const EXCLUDES(mu_);
  // Every journal file numbered below cut.file_number holds nothing a checkpoint has not made
  // durable in segment files: they become spares (recycled as later files) or are deleted.
  void Release(journal::Position cut) EXCLUDES(mu_);
  // Old journal files (from before Start) that nothing needs any more: recycled as later files.
  void AddSpares(const std::vector<uint64_t>& numbers) EXCLUDES(mu_);
  // Returns once everything staged before the call is written and synced.
  void Barrier() EXCLUDES(mu_);

 private:
  struct Piece {  // bytes [from, to) of a chunk to write this round
    std::shared_ptr<JournalChunk> chunk;
    size_t from = 0;
    size_t to = 0;
    bool open = false;  // the chunk stagers still append to: its last partial block is copied
  };
  struct Round {
    std::vector<Piece> pieces;
    std::vector<JournalAppend> appends;
    char tail[kDirectIoAlignment];  // copy of the open chunk's last partial block, zero-padded
    size_t tail_len = 0;
    journal::Position end;
  };

  Status StageNextFile() REQUIRES(mu_);
  // Stages file_'s header at position 0 (a new file's first bytes).
  Status StageFileHeader() REQUIRES(mu_);
  char* Reserve(size_t n) REQUIRES(mu_);
  void TakeRound(Round* r) REQUIRES(mu_);
  Status WriteRound(Round& r);
  Status WritePiece(uint64_t file_number, uint64_t pos, const char* bytes, size_t n);
  Status OpenFile(uint64_t number);
  Status EnsureZeroed(uint64_t end);
  Status SyncFile();
  void Publish(Round& r);
  void Fail(const Status& st, Round& r);
  Status Resume();
  void Loop();
  bool WorkReady() const REQUIRES(mu_);
  std::string PathOf(uint64_t number) const;

  FileSystem* fs_;
  JournalOptions o_;
  std::shared_ptr<ChunkPool> pool_;
  std::function<void(uint64_t)> on_round_;

  mutable Mutex mu_;
  CondVar cv_;       // work for the loop
  CondVar done_cv_;  // barriers and stop
  // Staging state.
  uint64_t file_ GUARDED_BY(mu_) = 0;  // file being staged into
  uint64_t pos_ GUARDED_BY(mu_) = 0;   // next entry's position in it
  std::shared_ptr<JournalChunk> cur_ GUARDED_BY(mu_);
  size_t cur_len_ GUARDED_BY(mu_) = 0;         // bytes staged in cur_
  size_t cur_written_ GUARDED_BY(mu_) = 0;     // ... of which a round already took
  std::vector<Piece> closed_ GUARDED_BY(mu_);  // full or finished chunks not yet taken
  std::vector<JournalAppend> appends_ GUARDED_BY(mu_);
  Status failed_ GUARDED_BY(mu_);  // not OK: Stage refuses until Resume
  int64_t retry_at_ms_ GUARDED_BY(mu_) = INT64_MAX;
  bool stop_ GUARDED_BY(mu_) = false;
  bool stopped_ GUARDED_BY(mu_) = true;
  uint64_t barrier_requested_ GUARDED_BY(mu_) = 0;
  uint64_t barrier_done_ GUARDED_BY(mu_) = 0;
  journal::Position committed_ GUARDED_BY(mu_);
  std::vector<uint64_t> spares_ GUARDED_BY(mu_);
  std::vector<uint64_t> releasable_ GUARDED_BY(mu_);  // files written since Start, oldest first

  // Commit thread only.
  uint64_t writer_number_ = 0;
  std::unique_ptr<File> writer_;        // O_DIRECT when enabled and supported
  std::unique_ptr<File> writer_small_;  // buffered twin for small writes
  uint64_t zeroed_end_ = 0;
  uint64_t zero_step_ = 1 << 20;
  bool unsynced_ = false;
  int64_t last_sync_ms_ = 0;
  std::thread thread_;
};

}  // namespace sluice::storage::internal
