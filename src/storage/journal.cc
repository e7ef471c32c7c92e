#include "storage/journal.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "base/log.h"
#include "storage/disk_shard_log.h"

namespace sluice::storage::internal {
namespace {

const char* Zeros() {
  static const AlignedBuffer zeros = [] {
    AlignedBuffer b = AllocateAligned(kStagingChunkBytes);
    std::memset(b.get(), 0, kStagingChunkBytes);
    return b;
  }();
  return zeros.get();
}

}  // namespace

JournalChunk::JournalChunk(std::shared_ptr<ChunkPool> pool, size_t bytes, uint64_t file_number, uint64_t base)
    : pool_(std::move(pool)), file_number_(file_number), base_(base) {
  buf_ = pool_->Take(bytes, &capacity_);
}

JournalChunk::~JournalChunk() { pool_->Give(std::move(buf_), capacity_); }

Journal::Journal(FileSystem* fs, JournalOptions options, std::shared_ptr<ChunkPool> pool,
                 std::function<void(uint64_t)> on_round)
    : fs_(fs), o_(std::move(options)), pool_(std::move(pool)), on_round_(std::move(on_round)) {}

Journal::~Journal() { Stop(); }

std::string Journal::PathOf(uint64_t number) const { return o_.dir + "/" + journal::FileName(number); }

Status Journal::Start(uint64_t first_number, std::vector<uint64_t> spares) {
  MutexLock lock(&mu_);
  file_ = first_number;
  pos_ = 0;
  cur_.reset();
  cur_len_ = cur_written_ = 0;
  committed_ = journal::Position{first_number, journal::kFileHeaderBytes};
  spares_ = std::move(spares);
  std::sort(spares_.begin(), spares_.end());
  // The first file's header is staged like any entry; it is written with the first round.
  SLUICE_RETURN_IF_ERROR(StageFileHeader());
  last_sync_ms_ = o_.clock->MonotonicNanos() / 1'000'000;
  stop_ = false;
  stopped_ = false;
  thread_ = std::thread([this] { Loop(); });
  return Status::Ok();
}

void Journal::Stop() {
  {
    MutexLock lock(&mu_);
    if (stopped_) return;
    stop_ = true;
  }
  cv_.Signal();
  if (thread_.joinable()) thread_.join();
}

// Makes room for n more bytes at pos_ in the staging chunk (a new chunk continues the file at
// pos_: it starts at the block boundary below and carries the partial block's bytes over).
char* Journal::Reserve(size_t n) {
  if (cur_ && cur_->file_number() == file_ && cur_len_ + n <= cur_->capacity()) return cur_->data() + cur_len_;
  uint64_t base = AlignDown(pos_);
  size_t carry = pos_ - base;
  auto chunk = std::make_shared<JournalChunk>(pool_, carry + n, file_, base);
  if (!chunk->ok()) return nullptr;
  if (carry > 0) std::memcpy(chunk->data(), cur_->data() + (base - cur_->base()), carry);
  if (cur_ && cur_len_ > cur_written_) closed_.push_back(Piece{cur_, cur_written_, cur_len_, false});
  cur_ = std::move(chunk);
  cur_len_ = carry;
  cur_written_ = carry;
  return cur_->data() + cur_len_;
}

Status Journal::StageNextFile() {
  char* e = Reserve(journal::kEntryHeaderBytes);
  if (e == nullptr) return Status(Errc::kUnavailable, "out of memory for the journal");
  journal::EncodeNextFileEntry(file_, e);
  cur_len_ += journal::kEntryHeaderBytes;
  ++file_;
  return StageFileHeader();
}

Status Journal::StageFileHeader() {
  pos_ = 0;
  char* h = Reserve(journal::kFileHeaderBytes);
  if (h == nullptr) return Status(Errc::kUnavailable, "out of memory for the journal");
  journal::EncodeFileHeader(file_, h);
  cur_len_ += journal::kFileHeaderBytes;
  pos_ = journal::kFileHeaderBytes;
  return Status::Ok();
}

Status Journal::Stage(uint64_t stream_uid, uint32_t shard_index, const segment::FrameHeader& header,
                      std::string_view payload, JournalAppend* a) {
  const size_t frame_len = segment::kFrameHeaderBytes + payload.size();
  const size_t need = journal::kEntryHeaderBytes + frame_len;
  // Back-pressure: a full write buffer first delays the writer (a checkpoint is freeing room),
  // and only then refuses. Waiting holds the caller's shard lock, not the journal's.
  pool_->WaitForRoom(need, o_.write_buffer_bytes, std::chrono::milliseconds(o_.write_buffer_wait_ms));
  MutexLock lock(&mu_);
  if (stopped_ || stop_) return Status(Errc::kUnavailable, "storage is shutting down");
  if (!failed_.ok()) {
    return Status(Errc::kUnavailable, "storage is recovering from a journal write failure: " + failed_.message());
  }
  if (pool_->live_bytes() + need > o_.write_buffer_bytes) {
    return Status(Errc::kUnavailable, "write buffer full: checkpoints are behind the writers");
  }
  // Room for this entry and the kNextFile that may have to follow it.
  if (pos_ + need + journal::kEntryHeaderBytes > o_.file_bytes) SLUICE_RETURN_IF_ERROR(StageNextFile());
  char* e = Reserve(need);
  if (e == nullptr) return Status(Errc::kUnavailable, "out of memory for the journal");
  char* f = e + journal::kEntryHeaderBytes;
  segment::EncodeFrameHeader(header, f);
  std::memcpy(f + segment::kFrameHeaderBytes, payload.data(), payload.size());
  segment::SealFrame(f, static_cast<uint32_t>(frame_len));
  journal::EncodeFrameEntry(file_, stream_uid, shard_index, e);
  a->frame = StagedFrame{cur_, f, static_cast<uint32_t>(frame_len), journal::Position{file_, pos_}};
  appends_.push_back(std::move(*a));
  cur_len_ += need;
  pos_ += need;
  cv_.Signal();
  return Status::Ok();
}

journal::Position Journal::CommittedEnd() const {
  MutexLock lock(&mu_);
  return committed_;
}

void Journal::Release(journal::Position cut) {
  std::vector<uint64_t> done;
  {
    MutexLock lock(&mu_);
    while (!releasable_.empty() && releasable_.front() < cut.file_number) {
      done.push_back(releasable_.front());
      releasable_.erase(releasable_.begin());
    }
  }
  AddSpares(done);
}

// Up to max_spare_files become spares (recycled as later files); the rest are deleted.
void Journal::AddSpares(const std::vector<uint64_t>& numbers) {
  std::vector<uint64_t> remove;
  {
    MutexLock lock(&mu_);
    for (uint64_t n : numbers) {
      if (spares_.size() < o_.max_spare_files) {
        spares_.push_back(n);
      } else {
        remove.push_back(n);
      }
    }
  }
  for (uint64_t n : remove) {
    Status st = fs_->RemoveFile(PathOf(n));
    if (!st.ok()) SLOG(kWarn, "storage", "could not remove a journal file", {{"error", st.ToString()}});
  }
}

void Journal::Barrier() {
  MutexLock lock(&mu_);
  if (stopped_) return;
  uint64_t ticket = ++barrier_requested_;
  cv_.Signal();
  while (barrier_done_ < ticket && !stopped_) done_cv_.Wait(&mu_);
}

bool Journal::WorkReady() const {
  return stop_ || !appends_.empty() || barrier_requested_ > barrier_done_ || !closed_.empty() ||
         cur_len_ > cur_written_;
}

void Journal::TakeRound(Round* r) {
  r->pieces = std::move(closed_);
  closed_.clear();
  r->tail_len = 0;
  if (cur_ && cur_len_ > cur_written_) {
    size_t whole = AlignDown(cur_len_);
    r->tail_len = cur_len_ - whole;
    if (r->tail_len > 0) {
      std::memcpy(r->tail, cur_->data() + whole, r->tail_len);
      std::memset(r->tail + r->tail_len, 0, sizeof r->tail - r->tail_len);
    }
    r->pieces.push_back(Piece{cur_, cur_written_, cur_len_, true});
    cur_written_ = cur_len_;
  }
  r->appends = std::move(appends_);
  appends_.clear();
  r->end = journal::Position{file_, pos_};
}

Status Journal::OpenFile(uint64_t number) {
  writer_.reset();
  writer_small_.reset();
  std::string path = PathOf(number);
  uint64_t spare = 0;
  {
    MutexLock lock(&mu_);
    if (!spares_.empty()) {
      spare = spares_.front();
      spares_.erase(spares_.begin());
    }
  }
  if (spare != 0) SLUICE_RETURN_IF_ERROR(fs_->Rename(PathOf(spare), path));
  FileOptions wo;
  wo.create = true;
  wo.writable = true;
  wo.direct_io = o_.direct_io;
  SLUICE_ASSIGN_OR_RETURN(writer_, fs_->Open(path, wo));
  if (writer_->direct_io()) {
    wo.direct_io = false;
    SLUICE_ASSIGN_OR_RETURN(writer_small_, fs_->Open(path, wo));
  }
  // A recycled file is already full size and written (fdatasync has no size change to commit).
  SLUICE_ASSIGN_OR_RETURN(zeroed_end_, writer_->Size());
  zeroed_end_ = AlignDown(zeroed_end_);
  zero_step_ = 1 << 20;
  writer_number_ = number;
  // The new name must survive a crash before anything written to it is acknowledged.
  SLUICE_RETURN_IF_ERROR(fs_->SyncDir(o_.dir));
  MutexLock lock(&mu_);
  releasable_.push_back(number);
  return Status::Ok();
}

// Journal files are written ahead with zeros, so that fdatasync never has to commit a size
// change on the hot path (growing steps: a small journal stays small).
Status Journal::EnsureZeroed(uint64_t end) {
  if (end <= zeroed_end_) return Status::Ok();
  uint64_t target = std::max(end, zeroed_end_ + zero_step_);
  target = std::min(target, std::max(end, AlignUp(o_.file_bytes)));
  for (uint64_t pos = zeroed_end_; pos < target;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(kStagingChunkBytes, target - pos));
    SLUICE_RETURN_IF_ERROR(writer_->WriteAt(pos, Zeros(), n));
    pos += n;
  }
  zeroed_end_ = target;
  zero_step_ = std::min<uint64_t>(zero_step_ * 2, o_.zero_fill_max_bytes);
  return Status::Ok();
}

Status Journal::WritePiece(uint64_t file_number, uint64_t pos, const char* bytes, size_t n) {
  if (file_number != writer_number_ || !writer_) {
    if (writer_) {
      // The previous file's entries and its kNextFile are durable before the next file is
      // written: the journal's end rule stays true across files.
      SLUICE_RETURN_IF_ERROR(SyncFile());
    }
    SLUICE_RETURN_IF_ERROR(OpenFile(file_number));
  }
  SLUICE_RETURN_IF_ERROR(EnsureZeroed(pos + n));
  File* f = writer_small_ && n < o_.direct_io_min_bytes ? writer_small_.get() : writer_.get();
  SLUICE_RETURN_IF_ERROR(f->WriteAt(pos, bytes, n));
  unsynced_ = true;
  return Status::Ok();
}

Status Journal::WriteRound(Round& r) {
  for (Piece& p : r.pieces) {
    JournalChunk& c = *p.chunk;
    size_t from = AlignDown(p.from);
    if (!p.open) {
      // A closed chunk is no longer appended to: pad its last block with zeros in place.
      size_t to = AlignUp(p.to);
      std::memset(c.data() + p.to, 0, to - p.to);
      SLUICE_RETURN_IF_ERROR(WritePiece(c.file_number(), c.base() + from, c.data() + from, to - from));
      continue;
    }
    // Stagers may be appending to the open chunk: its whole blocks are written from the chunk,
    // its partial last block from the copy taken under the lock.
    size_t whole = AlignDown(p.to);
    if (whole > from)
      SLUICE_RETURN_IF_ERROR(WritePiece(c.file_number(), c.base() + from, c.data() + from, whole - from));
    if (r.tail_len > 0) SLUICE_RETURN_IF_ERROR(WritePiece(c.file_number(), c.base() + whole, r.tail, sizeof r.tail));
  }
  return Status::Ok();
}

Status Journal::SyncFile() {
  if (!writer_ || !unsynced_) return Status::Ok();
  SLUICE_RETURN_IF_ERROR(writer_->Sync());
  unsynced_ = false;
  last_sync_ms_ = o_.clock->MonotonicNanos() / 1'000'000;
  return Status::Ok();
}

void Journal::Publish(Round& r) {
  uint64_t bytes = 0;
  for (JournalAppend& a : r.appends) {
    bytes += a.frame.length;
    a.log->Publish(a);
  }
  {
    MutexLock lock(&mu_);
    committed_ = r.end;
  }
  if (on_round_ && bytes > 0) on_round_(bytes);
  for (JournalAppend& a : r.appends)
    if (a.done) a.done(AppendResult{a.first_offset});
}

// A failed write or sync: nothing of the round is acknowledged, and neither is anything staged
// after it (its offsets follow the failed ones). Every such append fails, the shards forget the
// offsets they handed out, and the journal refuses appends until Resume has moved past the
// failed bytes.
void Journal::Fail(const Status& st, Round& r) {
  SLOG(kError, "storage", "journal write failed; failing unacknowledged appends", {{"error", st.ToString()}});
  Status err(st.code() == Errc::kUnavailable ? Errc::kUnavailable : Errc::kIoError,
             "storage write failed: " + st.message());
  std::vector<JournalAppend> failed = std::move(r.appends);
  {
    MutexLock lock(&mu_);
    failed_ = st;
    retry_at_ms_ = o_.clock->MonotonicNanos() / 1'000'000 + o_.failure_retry_ms;
    for (JournalAppend& a : appends_) failed.push_back(std::move(a));
    appends_.clear();
    closed_.clear();
    cur_.reset();
    cur_len_ = cur_written_ = 0;
  }
  writer_.reset();
  writer_small_.reset();
  for (JournalAppend& a : failed) a.log->Unstage(a.first_offset);
  for (JournalAppend& a : failed)
    if (a.done) a.done(err);
}

// After a failure: end the current file right after the last committed entry with a kNextFile
// (so that the failed bytes after it are never replayed) and go on in a new file.
Status Journal::Resume() {
  journal::Position at;
  {
    MutexLock lock(&mu_);
    at = committed_;
  }
  FileOptions wo;
  wo.create = true;
  wo.writable = true;
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<File> f, fs_->Open(PathOf(at.file_number), wo));
  std::vector<char> bytes(journal::kEntryHeaderBytes);
  uint64_t pos = at.position;
  if (at.position == journal::kFileHeaderBytes) {
    // Nothing was committed in this file: its header may not be on disk either.
    bytes.assign(journal::kFileHeaderBytes + journal::kEntryHeaderBytes, 0);
    journal::EncodeFileHeader(at.file_number, bytes.data());
    pos = 0;
  }
  journal::EncodeNextFileEntry(at.file_number, bytes.data() + bytes.size() - journal::kEntryHeaderBytes);
  SLUICE_RETURN_IF_ERROR(f->WriteAt(pos, bytes.data(), bytes.size()));
  SLUICE_RETURN_IF_ERROR(f->Sync());
  SLUICE_RETURN_IF_ERROR(fs_->SyncDir(o_.dir));
  // The next file may hold intact entries of the failed round under its own number: it must not
  // be appended to.
  std::string next = PathOf(at.file_number + 1);
  if (fs_->Exists(next)) SLUICE_RETURN_IF_ERROR(fs_->RemoveFile(next));
  MutexLock lock(&mu_);
  std::erase(releasable_, at.file_number + 1);
  if (std::find(releasable_.begin(), releasable_.end(), at.file_number) == releasable_.end()) {
    releasable_.push_back(at.file_number);
  }
  file_ = at.file_number + 1;
  SLUICE_RETURN_IF_ERROR(StageFileHeader());
  committed_ = journal::Position{file_, pos_};
  failed_ = Status::Ok();
  retry_at_ms_ = INT64_MAX;
  writer_number_ = 0;
  SLOG(kInfo, "storage", "journal accepts writes again", {{"file", std::to_string(file_)}});
  return Status::Ok();
}

void Journal::Loop() {
  Round r;
  while (true) {
    uint64_t barrier = 0;
    bool barrier_due = false;
    bool stopping = false;
    bool retry_due = false;
    {
      MutexLock lock(&mu_);
      int64_t deadline = retry_at_ms_;
      if (unsynced_ && o_.durability == Durability::kInterval)
        deadline = std::min(deadline, last_sync_ms_ + o_.sync_interval_ms);
      if (deadline == INT64_MAX) {
        while (!WorkReady()) cv_.Wait(&mu_);
      } else if (!WorkReady()) {
        int64_t wait = std::max<int64_t>(0, deadline - o_.clock->MonotonicNanos() / 1'000'000);
        cv_.WaitFor(&mu_, std::chrono::milliseconds(wait));
      }
      int64_t now = o_.clock->MonotonicNanos() / 1'000'000;
      retry_due = !failed_.ok() && retry_at_ms_ <= now;
      if (failed_.ok()) TakeRound(&r);
      barrier = barrier_requested_;
      barrier_due = barrier > barrier_done_;
      stopping = stop_;
    }
    if (retry_due) {
      Status st = Resume();
      if (!st.ok()) {
        SLOG(kWarn, "storage", "journal recovery after a write failure failed; will retry", {{"error", st.ToString()}});
        MutexLock lock(&mu_);
        retry_at_ms_ = o_.clock->MonotonicNanos() / 1'000'000 + o_.failure_retry_ms;
      }
    }
    int64_t now = o_.clock->MonotonicNanos() / 1'000'000;
    bool sync = o_.durability == Durability::kSync || barrier_due || stopping ||
                (o_.durability == Durability::kInterval && now - last_sync_ms_ >= o_.sync_interval_ms);
    Status st = r.pieces.empty() ? Status::Ok() : WriteRound(r);
    if (st.ok() && sync) st = SyncFile();
    if (!st.ok()) {
      Fail(st, r);
    } else if (!r.appends.empty() || !r.pieces.empty()) {
      Publish(r);
    }
    r.pieces.clear();
    r.appends.clear();
    MutexLock lock(&mu_);
    if (barrier_due) {
      barrier_done_ = barrier;
      done_cv_.SignalAll();
    }
    if (stopping && appends_.empty() && closed_.empty() && cur_len_ == cur_written_) {
      stopped_ = true;
      done_cv_.SignalAll();
      writer_.reset();
      writer_small_.reset();
      return;
    }
  }
}

}  // namespace sluice::storage::internal
