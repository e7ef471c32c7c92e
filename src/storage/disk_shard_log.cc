#include "storage/disk_shard_log.h"

#include <algorithm>
#include <cstring>

#include "base/log.h"
#include "storage/segment_cursor.h"

namespace sluice::storage::internal {
namespace {

const char* ZeroBlock() {
  static const AlignedBuffer zeros = [] {
    AlignedBuffer b = AllocateAligned(kStagingChunkBytes);
    std::memset(b.get(), 0, kStagingChunkBytes);
    return b;
  }();
  return zeros.get();
}

// Per-thread read buffer: frames are read whole into it and records are visited in place.
segment::ReadBuffer& ThreadReadBuffer() {
  thread_local segment::ReadBuffer buf;
  return buf;
}

Status Gone() { return Status(Errc::kNotFound, "shard log was deleted"); }

// Read fills (one pread, or one aligned direct read, each):
// - reach this far past the bytes a read wants (its max_bytes, or the bytes the previous call
//   walked): the read starts at the index entry before its first record, up to one index
//   interval (64 KiB by default) early, and frames carry headers and keys beside the data;
constexpr uint64_t kFillSlackBytes = 64 << 10;
// - are at least this large: a small read (a tail poll) still gets its index interval in one
//   call, and the syscall, not the copy, is what a small read costs;
constexpr uint64_t kMinFillBytes = 64 << 10;
// - and at most this large: it bounds the per-thread read buffer, and a bulk read of 10 MiB
//   takes a few fills whose syscall cost is small beside the copy.
constexpr uint64_t kMaxFillBytes = 4 << 20;

Status CorruptBatch(const Segment& seg, uint64_t frame_position, segment::FrameCheck check, uint64_t offset) {
  std::string name(segment::FrameCheckName(check));
  SLOG(kError, "storage", "corrupt batch",
       {{"path", seg.path},
        {"position", std::to_string(frame_position)},
        {"offset", std::to_string(offset)},
        {"check", name}});
  return Status(Errc::kCorruption, "corrupt batch in " + seg.path + " at position " + std::to_string(frame_position) +
                                       " (offset " + std::to_string(offset) + "): " + name);
}

}  // namespace

DiskShardLog::DiskShardLog(const StoreEnv* env, ShardKey key, std::string dir, Enqueue enqueue)
    : env_(env), key_(key), dir_(std::move(dir)), enqueue_(std::move(enqueue)) {
  std::memset(tail_block_, 0, sizeof tail_block_);
}

DiskShardLog::~DiskShardLog() = default;

std::string DiskShardLog::SegmentPath(uint64_t first_offset) const {
  return dir_ + "/" + segment::SegmentFileName(first_offset);
}
std::string DiskShardLog::IndexPath(uint64_t first_offset) const {
  return dir_ + "/" + segment::IndexFileName(first_offset);
}

// ---------------------------------------------------------------------------------------------
// Append side

void DiskShardLog::AddFrame(Segment* s, const PendingAppend& p, uint64_t index_interval) {
  AddToSparseIndex(&s->index, {p.first_offset, p.position, p.arrival_ms}, index_interval);
  if (s->end_offset == s->first_offset) s->first_arrival_ms = p.arrival_ms;
  s->end_offset = p.first_offset + p.count;
  s->data_bytes = p.position + p.length;
  s->last_arrival_ms = p.arrival_ms;
}

StagingChunk* DiskShardLog::ChunkFor(size_t frame_len, bool new_segment) {
  if (!new_segment && !chunks_.empty()) {
    StagingChunk& back = chunks_.back();
    if (back.len + frame_len <= back.capacity) return &back;
  }
  // A new chunk continues the file at the staging position: base is aligned down and the
  // bytes of the partial block before it are carried over.
  uint64_t pos = new_segment ? 0 : stage_segment_bytes_;
  uint64_t base = AlignDown(pos);
  size_t carry = pos - base;
  StagingChunk c;
  c.buf = env_->pool->Take(carry + frame_len, &c.capacity);
  if (!c.buf) return nullptr;
  c.base = base;
  c.len = carry;
  c.segment_first_offset = stage_segment_first_;
  c.new_segment = new_segment;
  if (carry > 0) {
    const char* src = chunks_.empty() ? tail_block_ : chunks_.back().buf.get() + (base - chunks_.back().base);
    std::memcpy(c.buf.get(), src, carry);
  }
  chunks_.push_back(std::move(c));
  return &chunks_.back();
}

void DiskShardLog::Append(const RecordBatchBuilder& batch, int64_t arrival_ms, AppendCallback done) {
  if (batch.empty()) {
    done(Status(Errc::kInvalidArgument, "empty batch"));
    return;
  }
  {
    RecordBatchReader reader(batch.bytes());
    std::string_view k, d;
    uint32_t n = 0;
    size_t used = 0;
    while (reader.Next(&k, &d)) {
      ++n;
      used += kRecordHeaderBytes + k.size() + d.size();
    }
    if (n != batch.count() || used != batch.bytes().size()) {
      done(Status(Errc::kInvalidArgument, "batch bytes do not match its record count"));
      return;
    }
  }
  uint64_t frame_len64 = segment::kFrameHeaderBytes + batch.bytes().size();
  if (frame_len64 > segment::kMaxFrameBytes) {
    done(Status(Errc::kInvalidArgument, "batch larger than the largest frame"));
    return;
  }
  uint32_t frame_len = static_cast<uint32_t>(frame_len64);
  const DiskLogStoreOptions& o = env_->options;
  uint64_t first = 0;
  bool enqueue = false;
  {
    MutexLock lock(&mu_);
    if (dropped_) {
      done(Gone());
      return;
    }
    if (!failed_.ok()) {
      done(Status(Errc::kUnavailable, "shard storage is recovering from a write failure: " + failed_.message()));
      return;
    }
    if (staged_bytes_ + frame_len > o.max_staged_bytes_per_shard) {
      done(Status(Errc::kUnavailable, "shard write backlog is full"));
      return;
    }
    int64_t arrival = std::max(arrival_ms, last_arrival_assigned_);
    bool roll = !has_segment_;
    if (has_segment_ && stage_segment_bytes_ > 0 &&
        (stage_segment_bytes_ + frame_len > o.segment_bytes ||
         arrival - stage_segment_first_arrival_ >= o.segment_max_age_ms)) {
      roll = true;
    }
    if (roll) {
      has_segment_ = true;
      stage_segment_first_ = next_offset_;
      stage_segment_bytes_ = 0;
    }
    StagingChunk* c = ChunkFor(frame_len, roll);
    if (c == nullptr) {
      done(Status(Errc::kUnavailable, "out of memory for staging"));
      return;
    }
    if (stage_segment_bytes_ == 0) stage_segment_first_arrival_ = arrival;
    first = next_offset_;
    char* f = c->buf.get() + c->len;
    segment::FrameHeader h;
    h.length = frame_len;
    h.first_offset = first;
    h.arrival_ms = arrival;
    h.record_count = batch.count();
    segment::EncodeFrameHeader(h, f);
    std::memcpy(f + segment::kFrameHeaderBytes, batch.bytes().data(), batch.bytes().size());
    segment::SealFrame(f, frame_len);
    PendingAppend p;
    p.first_offset = first;
    p.count = batch.count();
    p.position = c->base + c->len;
    p.length = frame_len;
    p.arrival_ms = arrival;
    p.segment_first_offset = stage_segment_first_;
    p.done = std::move(done);
    pending_.push_back(std::move(p));
    c->len += frame_len;
    stage_segment_bytes_ += frame_len;
    staged_bytes_ += frame_len;
    next_offset_ += batch.count();
    last_arrival_assigned_ = arrival;
    enqueue = !queued_;
    queued_ = true;
  }
  if (enqueue) enqueue_(shared_from_this());
}

// ---------------------------------------------------------------------------------------------
// Commit side

void DiskShardLog::BeginRound() {
  round_ = Round{};
  MutexLock lock(&mu_);
  queued_ = false;
  round_.chunks = std::move(chunks_);
  round_.appends = std::move(pending_);
  chunks_.clear();
  pending_.clear();
  staged_bytes_ = 0;
  if (!round_.chunks.empty()) {
    const StagingChunk& last = round_.chunks.back();
    uint64_t end = last.base + last.len;
    size_t carry = end - AlignDown(end);
    std::memcpy(tail_block_, last.buf.get() + (AlignDown(end) - last.base), carry);
  }
}

Status DiskShardLog::CreateWriterSegment(uint64_t first_offset) {
  if (writer_segment_) SLUICE_RETURN_IF_ERROR(SealWriterSegment());
  auto seg = std::make_shared<Segment>();
  seg->first_offset = first_offset;
  seg->end_offset = first_offset;
  seg->path = SegmentPath(first_offset);
  SLUICE_RETURN_IF_ERROR(OpenWriter(seg->path));
  SLUICE_ASSIGN_OR_RETURN(seg->reader, env_->fs->Open(seg->path, FileOptions{}));
  writer_segment_ = seg;
  writer_zeroed_end_ = 0;
  writer_zero_step_ = 1 << 20;
  round_.created.push_back(seg);
  round_.dir_dirty = true;
  return Status::Ok();
}

Status DiskShardLog::OpenWriter(const std::string& path) {
  writer_file_.reset();
  writer_small_file_.reset();
  FileOptions wo;
  wo.create = true;
  wo.writable = true;
  wo.direct_io = env_->options.direct_io;
  SLUICE_ASSIGN_OR_RETURN(writer_file_, env_->fs->Open(path, wo));
  if (writer_file_->direct_io()) {
    wo.direct_io = false;
    SLUICE_ASSIGN_OR_RETURN(writer_small_file_, env_->fs->Open(path, wo));
  }
  return Status::Ok();
}

// Sealed segments are exactly their data: truncated, synced, and described by an index file.
Status DiskShardLog::SealWriterSegment() {
  Segment& s = *writer_segment_;
  // The commit thread's view of the segment's data: published values plus this round's frames.
  Segment view;
  {
    ReaderMutexLock lock(&meta_mu_);
    view = s;
  }
  for (const PendingAppend& p : round_.appends)
    if (p.segment_first_offset == s.first_offset) AddFrame(&view, p, env_->options.index_interval_bytes);
  segment::SegmentIndex idx{view.first_offset, view.end_offset, view.data_bytes, view.last_arrival_ms,
                            std::move(view.index)};
  SLUICE_RETURN_IF_ERROR(writer_file_->Truncate(idx.data_bytes));
  SLUICE_RETURN_IF_ERROR(writer_file_->Sync());
  SLUICE_RETURN_IF_ERROR(WriteIndexFile(idx));
  round_.sealed.push_back(writer_segment_);
  round_.dir_dirty = true;
  writer_file_.reset();
  writer_small_file_.reset();
  return Status::Ok();
}

Status DiskShardLog::EnsureZeroed(uint64_t end) {
  if (end <= writer_zeroed_end_) return Status::Ok();
  uint64_t target = std::max(end, writer_zeroed_end_ + writer_zero_step_);
  target = std::min(target, std::max(end, AlignUp(env_->options.segment_bytes)));
  for (uint64_t pos = writer_zeroed_end_; pos < target;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(kStagingChunkBytes, target - pos));
    SLUICE_RETURN_IF_ERROR(writer_file_->WriteAt(pos, ZeroBlock(), n));
    pos += n;
  }
  writer_zeroed_end_ = target;
  writer_zero_step_ = std::min<uint64_t>(writer_zero_step_ * 2, env_->options.zero_fill_max_bytes);
  return Status::Ok();
}

void DiskShardLog::WriteRound() {
  for (StagingChunk& c : round_.chunks) {
    if (c.new_segment || !writer_segment_) {
      round_.status = CreateWriterSegment(c.segment_first_offset);
      if (!round_.status.ok()) return;
    }
    if (c.len == 0) continue;
    uint64_t padded = AlignUp(c.len);
    std::memset(c.buf.get() + c.len, 0, padded - c.len);
    round_.status = EnsureZeroed(c.base + padded);
    if (!round_.status.ok()) return;
    File* f = writer_small_file_ && padded < env_->options.direct_io_min_bytes ? writer_small_file_.get()
                                                                               : writer_file_.get();
    round_.status = f->WriteAt(c.base, c.buf.get(), padded);
    if (!round_.status.ok()) return;
    round_.wrote = true;
  }
}

void DiskShardLog::SyncRound(bool force) {
  if (!round_.status.ok()) return;
  bool sync = round_.wrote && (force || env_->options.durability == Durability::kSync);
  if (sync && writer_file_) {
    round_.status = writer_file_->Sync();
    if (!round_.status.ok()) return;
    writer_unsynced_ = false;
  } else if (round_.wrote) {
    writer_unsynced_ = true;
  }
  if (round_.dir_dirty) round_.status = env_->fs->SyncDir(dir_);
}

Status DiskShardLog::SyncWriter() {
  if (!writer_file_ || !writer_unsynced_) return Status::Ok();
  Status st = writer_file_->Sync();
  if (st.ok()) {
    writer_unsynced_ = false;
  } else {
    SLOG(kError, "storage", "periodic fdatasync failed", {{"dir", dir_}, {"error", st.ToString()}});
    MutexLock lock(&mu_);
    failed_ = st;
    retry_at_ms_ = env_->MonotonicMillis() + env_->options.failure_retry_ms;
  }
  return st;
}

void DiskShardLog::FinishRound() {
  for (StagingChunk& c : round_.chunks) env_->pool->Give(std::move(c.buf), c.capacity);
  round_.chunks.clear();
  if (!round_.status.ok()) {
    FailRound(round_.status);
    return;
  }
  {
    WriterMutexLock lock(&meta_mu_);
    for (auto& s : round_.sealed) s->sealed = true;
    for (auto& s : round_.created) segments_.push_back(s);
    Segment* seg = segments_.empty() ? nullptr : segments_.back().get();
    for (const PendingAppend& p : round_.appends) {
      if (!seg || seg->first_offset != p.segment_first_offset) {
        for (auto& s : segments_)
          if (s->first_offset == p.segment_first_offset) seg = s.get();
      }
      AddFrame(seg, p, env_->options.index_interval_bytes);
    }
    if (!round_.appends.empty()) {
      visible_end_.store(round_.appends.back().first_offset + round_.appends.back().count, std::memory_order_release);
      last_arrival_ms_.store(round_.appends.back().arrival_ms, std::memory_order_release);
    }
  }
  for (PendingAppend& p : round_.appends)
    if (p.done) p.done(AppendResult{p.first_offset});
  round_ = Round{};
}

void DiskShardLog::FailRound(Status st) {
  SLOG(kError, "storage", "shard write failed; failing unacknowledged appends",
       {{"dir", dir_}, {"error", st.ToString()}});
  Status err(st.code() == Errc::kUnavailable ? Errc::kUnavailable : Errc::kIoError,
             "storage write failed: " + st.message());
  std::vector<PendingAppend> failed = std::move(round_.appends);
  round_ = Round{};
  {
    MutexLock lock(&mu_);
    failed_ = std::move(st);
    for (auto& p : pending_) failed.push_back(std::move(p));
    pending_.clear();
    for (StagingChunk& c : chunks_) env_->pool->Give(std::move(c.buf), c.capacity);
    chunks_.clear();
    staged_bytes_ = 0;
    retry_at_ms_ = env_->MonotonicMillis() + env_->options.failure_retry_ms;
  }
  writer_file_.reset();
  writer_small_file_.reset();
  writer_segment_.reset();
  for (PendingAppend& p : failed)
    if (p.done) p.done(err);
}

void DiskShardLog::RetryRecovery() {
  {
    MutexLock lock(&mu_);
    if (dropped_) {
      retry_at_ms_ = INT64_MAX;
      return;
    }
  }
  Status st = Recover();
  if (!st.ok()) {
    SLOG(kWarn, "storage", "shard recovery after a write failure failed; will retry",
         {{"dir", dir_}, {"error", st.ToString()}});
    retry_at_ms_ = env_->MonotonicMillis() + env_->options.failure_retry_ms;
    return;
  }
  SLOG(kInfo, "storage", "shard accepts writes again", {{"dir", dir_}});
}

// ---------------------------------------------------------------------------------------------
// Read side

LogBounds DiskShardLog::Bounds() const {
  LogBounds b;
  b.start_offset = start_offset_.load(std::memory_order_acquire);
  b.end_offset = visible_end_.load(std::memory_order_acquire);
  b.last_arrival_ms = b.end_offset > 0 ? last_arrival_ms_.load(std::memory_order_acquire) : 0;
  if (b.start_offset > b.end_offset) b.start_offset = b.end_offset;
  return b;
}

uint64_t DiskShardLog::DataBytes() const {
  ReaderMutexLock lock(&meta_mu_);
  uint64_t n = 0;
  for (const auto& s : segments_) n += s->data_bytes;
  return n;
}

uint64_t DiskShardLog::OffsetForTimestamp(int64_t ms) const {
  std::shared_ptr<Segment> seg;
  uint64_t pos = 0, off = 0, seg_end_pos = 0, seg_end_off = 0, start = 0;
  {
    ReaderMutexLock lock(&meta_mu_);
    uint64_t end = visible_end_.load();
    start = std::min(start_offset_.load(), end);
    if (start == end || last_arrival_ms_.load() < ms) return end;
    // Segments (and frames) have non-decreasing arrival times: binary search on the last one.
    auto it =
        std::lower_bound(segments_.begin(), segments_.end(), ms, [](const std::shared_ptr<Segment>& s, int64_t t) {
          return s->end_offset == s->first_offset || s->last_arrival_ms < t;
        });
    if (it == segments_.end()) return end;
    seg = *it;
    if (seg->index.empty() || seg->index.front().arrival_ms >= ms) return std::max(seg->first_offset, start);
    auto e = std::lower_bound(seg->index.begin(), seg->index.end(), ms,
                              [](const segment::IndexEntry& x, int64_t t) { return x.arrival_ms < t; });
    --e;  // the last entry before ms: the answer lies in its interval
    pos = e->position;
    off = e->offset;
    seg_end_pos = seg->data_bytes;
    seg_end_off = seg->end_offset;
  }
  segment::FrameCursor cur(seg->reader.get(), pos, off, seg_end_pos,
                           static_cast<size_t>(env_->options.index_interval_bytes * 2), &ThreadReadBuffer());
  while (true) {
    segment::FrameHeader h;
    const char* frame;
    auto r = cur.Next(&h, &frame);
    // Damage or I/O failure: answer with what is known; Read reports the damage.
    if (!r.ok() || *r != segment::FrameCheck::kOk)
      return std::max(r.ok() && *r == segment::FrameCheck::kEnd ? seg_end_off : cur.offset(), start);
    if (h.arrival_ms >= ms) return std::max(h.first_offset, start);
  }
}

bool DiskShardLog::Locate(uint64_t at, uint32_t max_records, ReadPosition* where) const {
  ReaderMutexLock lock(&meta_mu_);
  auto it = std::upper_bound(segments_.begin(), segments_.end(), at,
                             [](uint64_t a, const std::shared_ptr<Segment>& s) { return a < s->first_offset; });
  if (it == segments_.begin()) return false;
  const std::shared_ptr<Segment>& seg = *--it;
  where->seg = seg;
  if (at >= seg->end_offset || seg->index.empty()) return false;
  auto e = std::upper_bound(seg->index.begin(), seg->index.end(), at,
                            [](uint64_t a, const segment::IndexEntry& x) { return a < x.offset; });
  auto reach = std::upper_bound(e, seg->index.end(), at + max_records,
                                [](uint64_t a, const segment::IndexEntry& x) { return a < x.offset; });
  --e;
  where->pos = e->position;
  where->offset = e->offset;
  where->seg_end_pos = seg->data_bytes;
  where->seg_end_offset = seg->end_offset;
  where->span_end = reach == seg->index.end() ? where->seg_end_pos : reach->position;
  return true;
}

size_t DiskShardLog::FillBytes(const ReadPosition& where, const ReadLimits& limits) {
  uint64_t want = std::min<uint64_t>(limits.max_bytes + kFillSlackBytes, where.span_end - where.pos);
  return static_cast<size_t>(std::clamp<uint64_t>(want, kMinFillBytes, kMaxFillBytes));
}

bool DiskShardLog::AdoptReadAhead(uint64_t from, const ReadPosition& where, segment::FrameCursor* cur,
                                  size_t direct_min) const {
  bool sequential = false;
  std::shared_ptr<ReadAheadSlot> slot;
  {
    MutexLock lock(&ra_mu_);
    sequential = from == ra_expect_from_;
    if (ra_slot_ && ra_slot_->Covers(where.seg->reader.get(), where.pos)) slot = std::move(ra_slot_);
  }
  if (slot) {
    size_t got = slot->TakeInto(&ThreadReadBuffer());
    if (got > 0) cur->Adopt(slot->start(), got);
    // Keep the disk busy while this call is encoded and sent: if it walks about as far as the
    // previous one did (call_bytes), the next call starts near pos + span, at
    // most a frame and an index interval before where this one stops.
    uint64_t span = slot->call_bytes();
    if (span > kReadAheadOverlap) {
      StartReadAhead(where.seg, where.pos + span - kReadAheadOverlap, where.seg_end_pos, span + kReadAheadOverlap, span,
                     direct_min);
    }
  }
  return sequential;
}

void DiskShardLog::FollowWithReadAhead(uint64_t next_offset, bool sequential, uint64_t walked, const ReadLimits& limits,
                                       size_t direct_min) const {
  {
    MutexLock lock(&ra_mu_);
    ra_expect_from_ = next_offset;
  }
  ReadPosition next;
  if (!sequential || !Locate(next_offset, limits.max_records, &next)) return;
  bool covered;
  {
    MutexLock lock(&ra_mu_);
    covered = ra_slot_ && ra_slot_->Covers(next.seg->reader.get(), next.pos);
  }
  uint64_t want = std::min<uint64_t>(walked + kFillSlackBytes, limits.max_bytes + kFillSlackBytes);
  // One read-ahead per shard: a newer sequential reader replaces one nobody came back for.
  if (!covered) StartReadAhead(next.seg, next.pos, next.seg_end_pos, want, want, direct_min);
}

Result<ReadSummary> DiskShardLog::Read(uint64_t from, const ReadLimits& limits,
                                       const std::function<void(const RecordView&)>& visit) const {
  ReadSummary sum;
  {
    ReaderMutexLock lock(&meta_mu_);
    if (meta_dropped_) return Gone();
    uint64_t end = visible_end_.load(std::memory_order_acquire);
    from = std::max(from, std::min(start_offset_.load(), end));
    sum.next_offset = from;
    if (from >= end || limits.max_records == 0) return sum;
  }
  ReadPosition where;
  if (!Locate(from, limits.max_records, &where)) return sum;
  const size_t direct_min = env_->options.direct_io ? env_->options.direct_read_min_bytes : 0;
  const size_t first_fill = FillBytes(where, limits);
  const bool bulk = direct_min > 0 && first_fill >= direct_min;
  segment::FrameCursor cur(where.seg->reader.get(), where.pos, where.offset, where.seg_end_pos, first_fill,
                           &ThreadReadBuffer(), direct_min);
  const bool read_ahead = bulk && env_->read_ahead != nullptr;
  const bool sequential = read_ahead && AdoptReadAhead(from, where, &cur, direct_min);
  uint64_t walked = 0;  // frame bytes this call went through: the next call's likely need
  while (true) {
    segment::FrameHeader h;
    const char* frame;
    SLUICE_ASSIGN_OR_RETURN(const segment::FrameCheck check, cur.Next(&h, &frame));
    if (check == segment::FrameCheck::kEnd) {
      if (cur.offset() != where.seg_end_offset || !Locate(cur.offset(), limits.max_records, &where)) break;
      cur = segment::FrameCursor(where.seg->reader.get(), where.pos, where.offset, where.seg_end_pos,
                                 FillBytes(where, limits), &ThreadReadBuffer(), direct_min);
      continue;
    }
    if (check != segment::FrameCheck::kOk) return CorruptBatch(*where.seg, cur.frame_position(), check, cur.offset());
    walked += h.length;
    RecordBatchReader reader({frame + segment::kFrameHeaderBytes, h.length - segment::kFrameHeaderBytes});
    RecordView v;
    v.arrival_ms = h.arrival_ms;
    v.offset = h.first_offset;
    bool full = false;
    while (reader.Next(&v.partition_key, &v.data)) {
      // >= next_offset, not >= from: after re-locating past a segment's old end, frames already
      // visited come by again.
      if (v.offset >= sum.next_offset) {
        if (sum.records >= limits.max_records || (sum.records > 0 && sum.bytes + v.data.size() > limits.max_bytes)) {
          full = true;
          break;
        }
        visit(v);
        ++sum.records;
        sum.bytes += v.data.size();
        sum.next_offset = v.offset + 1;
        sum.last_arrival_ms = v.arrival_ms;
      }
      ++v.offset;
    }
    if (full) break;
    // The cursor checked header and CRC only; the walk above is the payload check.
    if (!reader.AtEnd() || v.offset != h.first_offset + h.record_count) {
      return CorruptBatch(*where.seg, cur.frame_position(), segment::FrameCheck::kBadPayload, h.first_offset);
    }
  }
  // Remember where this bulk read stopped; if it continued the previous one (a consumer
  // catching up), make sure a read-ahead covers where its next call will start.
  if (read_ahead) FollowWithReadAhead(sum.next_offset, sequential, walked, limits, direct_min);
  return sum;
}

void DiskShardLog::StartReadAhead(const std::shared_ptr<Segment>& seg, uint64_t pos, uint64_t seg_end_pos,
                                  uint64_t want, uint64_t call_bytes, size_t direct_min) const {
  want = std::min(want, seg_end_pos - std::min(pos, seg_end_pos));
  if (want < direct_min || want == 0) return;
  uint64_t first = AlignDown(pos);
  uint64_t length = std::min<uint64_t>(AlignUp(pos + want), AlignUp(seg_end_pos)) - first;
  segment::ReadBuffer buf;
  if (!env_->read_ahead_budget->Take(length, &buf)) return;
  auto slot = std::make_shared<ReadAheadSlot>(env_->read_ahead_budget, seg->reader, first, length, seg_end_pos,
                                              std::move(buf), call_bytes);
  {
    MutexLock lock(&ra_mu_);
    ra_slot_ = slot;
  }
  env_->read_ahead->Submit(std::move(slot));
}

Status DiskShardLog::ExpireBefore(int64_t horizon_ms) {
  std::vector<std::shared_ptr<Segment>> expired;
  bool roll = false;
  {
    WriterMutexLock lock(&meta_mu_);
    if (meta_dropped_) return Gone();
    while (segments_.size() > 1 && segments_.front()->sealed && segments_.front()->last_arrival_ms < horizon_ms) {
      expired.push_back(segments_.front());
      segments_.erase(segments_.begin());
    }
    if (!segments_.empty()) {
      start_offset_.store(std::max(start_offset_.load(), segments_.front()->first_offset));
      const Segment& last = *segments_.back();
      roll = last.end_offset > last.first_offset && last.last_arrival_ms < horizon_ms;
    }
  }
  if (roll) {
    // The newest segment has expired too: seal it behind an empty one so a later pass frees it.
    bool enqueue = false;
    {
      MutexLock lock(&mu_);
      if (!dropped_ && failed_.ok() && chunks_.empty() && has_segment_ && stage_segment_bytes_ > 0) {
        stage_segment_first_ = next_offset_;
        stage_segment_bytes_ = 0;
        ChunkFor(0, true);
        enqueue = !queued_;
        queued_ = true;
      }
    }
    if (enqueue) enqueue_(shared_from_this());
  }
  if (expired.empty()) return Status::Ok();
  for (const auto& s : expired) {
    SLUICE_RETURN_IF_ERROR(env_->fs->RemoveFile(s->path));
    Status st = env_->fs->RemoveFile(IndexPath(s->first_offset));
    if (!st.ok() && env_->fs->Exists(IndexPath(s->first_offset))) return st;
    SLOG(kInfo, "storage", "segment expired", {{"path", s->path}, {"end_offset", std::to_string(s->end_offset)}});
  }
  return env_->fs->SyncDir(dir_);
}

void DiskShardLog::MarkDropped() {
  std::vector<PendingAppend> failed;
  {
    MutexLock lock(&mu_);
    dropped_ = true;
    failed = std::move(pending_);
    pending_.clear();
    for (StagingChunk& c : chunks_) env_->pool->Give(std::move(c.buf), c.capacity);
    chunks_.clear();
  }
  {
    WriterMutexLock lock(&meta_mu_);
    meta_dropped_ = true;
  }
  for (PendingAppend& p : failed)
    if (p.done) p.done(Gone());
}

}  // namespace sluice::storage::internal
