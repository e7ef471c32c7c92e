#include "storage/disk_shard_log.h"

#include <algorithm>
#include <cstring>

#include "base/log.h"
#include "storage/segment_cursor.h"

namespace sluice::storage::internal {
namespace {

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
// A read from memory copies at most this many frame references before visiting them.
constexpr size_t kMaxMemFramesPerPass = 4096;

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

DiskShardLog::DiskShardLog(std::shared_ptr<const StoreEnv> env, ShardKey key, std::string dir)
    : env_(std::move(env)), key_(key), dir_(std::move(dir)) {}

DiskShardLog::~DiskShardLog() = default;

std::string DiskShardLog::SegmentPath(uint64_t first_offset) const {
  return dir_ + "/" + segment::SegmentFileName(first_offset);
}
std::string DiskShardLog::IndexPath(uint64_t first_offset) const {
  return dir_ + "/" + segment::IndexFileName(first_offset);
}

void DiskShardLog::AddFrame(Segment* s, uint64_t first_offset, uint32_t count, uint64_t position, uint32_t length,
                            int64_t arrival_ms, uint64_t index_interval) {
  AddToSparseIndex(&s->index, {first_offset, position, arrival_ms}, index_interval);
  if (s->end_offset == s->first_offset) s->first_arrival_ms = arrival_ms;
  s->end_offset = first_offset + count;
  s->data_bytes = position + length;
  s->last_arrival_ms = arrival_ms;
}

// ---------------------------------------------------------------------------------------------
// Append side

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
  MutexLock lock(&mu_);
  if (dropped_) {
    lock.Unlock();
    done(Gone());
    return;
  }
  int64_t arrival = std::max(arrival_ms, last_arrival_assigned_);
  segment::FrameHeader h;
  h.length = static_cast<uint32_t>(frame_len64);
  h.first_offset = next_offset_;
  h.arrival_ms = arrival;
  h.record_count = batch.count();
  JournalAppend a;
  a.log = shared_from_this();
  a.first_offset = next_offset_;
  a.count = batch.count();
  a.arrival_ms = arrival;
  a.done = std::move(done);
  Status st = env_->journal->Stage(key_.stream_uid, key_.shard_index, h, batch.bytes(), &a);
  if (!st.ok()) {
    lock.Unlock();
    a.done(st);  // Stage leaves `a` untouched on error
    return;
  }
  next_offset_ += batch.count();
  last_arrival_assigned_ = arrival;
}

void DiskShardLog::Publish(const JournalAppend& a) {
  bool was_empty = false;
  {
    WriterMutexLock lock(&meta_mu_);
    if (meta_dropped_) return;
    was_empty = mem_.empty();
    mem_.push_back(
        MemFrame{a.first_offset, a.count, a.frame.length, a.arrival_ms, a.frame.bytes, a.frame.chunk, a.frame.at});
    mem_bytes_ += a.frame.length;
    visible_end_.store(a.first_offset + a.count, std::memory_order_release);
    last_arrival_ms_.store(a.arrival_ms, std::memory_order_release);
  }
  if (was_empty && env_->mark_dirty) env_->mark_dirty(shared_from_this());
}

void DiskShardLog::Unstage(uint64_t first_offset) {
  MutexLock lock(&mu_);
  next_offset_ = std::min(next_offset_, first_offset);
}

Status DiskShardLog::Replay(const segment::FrameHeader& h, std::string_view frame, journal::Position at,
                            const std::function<Result<StagedFrame>(std::string_view)>& copy) {
  uint64_t expected = 0;
  {
    MutexLock lock(&mu_);
    expected = next_offset_;
  }
  if (h.first_offset + h.record_count <= expected) return Status::Ok();  // a checkpoint moved it to a segment
  if (h.first_offset != expected) {
    SLOG(kWarn, "storage", "journal frame does not continue the shard's log; skipped",
         {{"dir", dir_},
          {"expected_offset", std::to_string(expected)},
          {"first_offset", std::to_string(h.first_offset)}});
    return Status::Ok();
  }
  SLUICE_ASSIGN_OR_RETURN(StagedFrame f, copy(frame));
  JournalAppend a;
  a.first_offset = h.first_offset;
  a.count = h.record_count;
  a.arrival_ms = h.arrival_ms;
  a.frame = std::move(f);
  a.frame.at = at;
  {
    MutexLock lock(&mu_);
    next_offset_ = h.first_offset + h.record_count;
    last_arrival_assigned_ = std::max(last_arrival_assigned_, h.arrival_ms);
  }
  Publish(a);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Checkpoint side

Result<bool> DiskShardLog::CheckpointWrite(journal::Position cut, segment::ReadBuffer* scratch) {
  ckpt_ = Checkpoint{};
  std::vector<MemFrame> frames;
  Segment cur;  // the segment being written, as this checkpoint leaves it (index: new entries)
  bool is_new = false;
  uint64_t last_index_pos = 0;
  bool have_index = false;
  bool after_cut = false;  // frames published after the cut was taken
  {
    ReaderMutexLock lock(&meta_mu_);
    if (meta_dropped_) return false;
    for (const MemFrame& f : mem_) {
      if (!(f.at < cut)) {
        after_cut = true;
        break;
      }
      frames.push_back(f);
    }
    if (!segments_.empty()) {
      const Segment& p = *segments_.back();
      ckpt_.target = segments_.back();
      cur.first_offset = p.first_offset;
      cur.path = p.path;
      cur.end_offset = p.end_offset;
      cur.data_bytes = p.data_bytes;
      cur.first_arrival_ms = p.first_arrival_ms;
      cur.last_arrival_ms = p.last_arrival_ms;
      have_index = !p.index.empty();
      if (have_index) last_index_pos = p.index.back().position;
      ckpt_.index_base = static_cast<uint32_t>(p.index.size());
    }
  }
  bool roll = roll_requested_.exchange(false);
  ckpt_.took_roll = roll;
  // Frames published between the store taking the cut and taking the dirty set: Publish marked
  // this log dirty then (its memory was empty), and does not again while they wait here, so the
  // next checkpoint must be told, or they would stay in memory while the journal files holding
  // them are recycled.
  auto nothing_written = [&] {
    if (after_cut && env_->mark_dirty) env_->mark_dirty(shared_from_this());
    return false;
  };
  if (frames.empty() && !roll) return nothing_written();
  const DiskLogStoreOptions& o = env_->options;
  const uint64_t interval = o.index_interval_bytes;
  // New bytes of the segment being written gather in `scratch` from position `lead` (the file
  // position's offset in its block): large writes go out with O_DIRECT from there after the
  // block's earlier bytes are read back into [0, lead) (no page-cache copy, which costs as much
  // CPU as the rest of a put in this VM); small ones are buffered writes.
  size_t lead = 0, buf_len = 0;
  uint64_t buf_pos = cur.data_bytes;
  bool changed = false;

  auto append = [&](const char* p, size_t n) {
    if (buf_len == 0) lead = buf_pos - AlignDown(buf_pos);
    scratch->Reserve(AlignUp(lead + buf_len + n) + kDirectIoAlignment, std::min(scratch->size(), lead + buf_len));
    std::memcpy(scratch->data() + lead + buf_len, p, n);
    buf_len += n;
  };
  auto write_buf = [&]() -> Status {
    if (buf_len == 0) return Status::Ok();
    const bool direct = o.direct_io && buf_len >= o.direct_io_min_bytes;
    FileOptions wo;
    wo.create = true;
    wo.writable = true;
    wo.direct_io = direct;
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<File> f, env_->fs->Open(cur.path, wo));
    if (f->direct_io()) {
      const uint64_t base = AlignDown(buf_pos);
      if (lead > 0) {
        // The block's earlier bytes: kept from this shard's previous direct write, else read back.
        if (tail_.segment == cur.first_offset && tail_.pos == base && tail_.bytes.size() == lead) {
          std::memcpy(scratch->data(), tail_.bytes.data(), lead);
        } else {
          SLUICE_RETURN_IF_ERROR(f->ReadAt(base, scratch->data(), lead).status());
        }
      }
      const size_t total = lead + buf_len;
      const size_t padded = AlignUp(total);
      std::memset(scratch->data() + total, 0, padded - total);
      SLUICE_RETURN_IF_ERROR(f->WriteAt(base, scratch->data(), padded));
      const size_t whole = AlignDown(total);
      tail_.segment = cur.first_offset;
      tail_.pos = base + whole;
      tail_.bytes.assign(scratch->data() + whole, total - whole);
    } else {
      tail_ = Tail{};  // a shard written in small pieces keeps no block in memory
      SLUICE_RETURN_IF_ERROR(f->WriteAt(buf_pos, scratch->data() + lead, buf_len));
    }
    buf_pos += buf_len;
    buf_len = 0;
    return Status::Ok();
  };
  // Sealed segments are exactly their data, described by an index file. Nothing is synced
  // here: the store syncs the filesystem once for every shard of the checkpoint.
  auto seal = [&]() -> Status {
    SLUICE_RETURN_IF_ERROR(write_buf());
    segment::SegmentIndex idx{cur.first_offset, cur.end_offset, cur.data_bytes, cur.last_arrival_ms, {}};
    if (!is_new) {
      ReaderMutexLock lock(&meta_mu_);
      idx.entries = ckpt_.target->index;
    }
    idx.entries.insert(idx.entries.end(), cur.index.begin(), cur.index.end());
    // A segment written before the journal existed may be longer than its data (pre-zeroed).
    SLUICE_RETURN_IF_ERROR(TruncateTo(cur.path, cur.data_bytes));
    if (cur.end_offset > cur.first_offset) SLUICE_RETURN_IF_ERROR(WriteIndexFile(idx, /*sync=*/false));
    if (is_new) {
      auto s = std::make_shared<Segment>(cur);
      s->sealed = true;
      ckpt_.created.push_back(std::move(s));
    } else {
      ckpt_.update = cur;
      ckpt_.update_target = true;
      ckpt_.seal_target = true;
    }
    return Status::Ok();
  };
  auto start_segment = [&](uint64_t first) -> Status {
    cur = Segment{};
    cur.first_offset = first;
    cur.end_offset = first;
    cur.path = SegmentPath(first);
    is_new = true;
    have_index = false;
    buf_pos = 0;
    changed = true;
    env_->files->Erase(cur.path);
    FileOptions wo;
    wo.create = true;
    wo.writable = true;
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<File> f, env_->fs->Open(cur.path, wo));
    return f->Truncate(0);  // a failed checkpoint may have left bytes in it
  };

  if (!ckpt_.target && !frames.empty()) SLUICE_RETURN_IF_ERROR(start_segment(frames.front().first_offset));
  for (const MemFrame& f : frames) {
    if (cur.data_bytes > 0 &&
        (cur.data_bytes + f.length > o.segment_bytes || f.arrival_ms - cur.first_arrival_ms >= o.segment_max_age_ms)) {
      SLUICE_RETURN_IF_ERROR(seal());
      SLUICE_RETURN_IF_ERROR(start_segment(f.first_offset));
    }
    uint64_t pos = cur.data_bytes;
    if (!have_index || pos >= last_index_pos + interval) {
      cur.index.push_back({f.first_offset, pos, f.arrival_ms});
      last_index_pos = pos;
      have_index = true;
    }
    if (cur.end_offset == cur.first_offset) cur.first_arrival_ms = f.arrival_ms;
    cur.end_offset = f.first_offset + f.count;
    cur.data_bytes = pos + f.length;
    cur.last_arrival_ms = f.arrival_ms;
    append(f.bytes, f.length);
    changed = true;
    // Bounded scratch: a shard with hundreds of megabytes in memory is written in pieces.
    if (buf_len >= (8u << 20)) SLUICE_RETURN_IF_ERROR(write_buf());
    ++ckpt_.frames;
    ckpt_.frame_bytes += f.length;
  }
  if (roll && cur.data_bytes > 0) {
    // Retention: the newest segment expired too; seal it behind an empty one so a later pass frees it.
    SLUICE_RETURN_IF_ERROR(seal());
    SLUICE_RETURN_IF_ERROR(start_segment(cur.end_offset));
  }
  SLUICE_RETURN_IF_ERROR(write_buf());
  if (!changed) return nothing_written();
  if (is_new) {
    auto s = std::make_shared<Segment>(cur);
    s->sealed = false;
    ckpt_.created.push_back(std::move(s));
  } else {
    ckpt_.update = cur;
    ckpt_.update_target = true;
  }
  return true;
}

manifest::ShardDelta DiskShardLog::CheckpointDelta() const {
  manifest::ShardDelta d;
  const Segment& active = ckpt_.created.empty() ? ckpt_.update : *ckpt_.created.back();
  d.state.stream_uid = key_.stream_uid;
  d.state.shard_index = key_.shard_index;
  d.state.segment_first_offset = active.first_offset;
  d.state.data_bytes = active.data_bytes;
  d.state.end_offset = active.end_offset;
  d.state.first_arrival_ms = active.first_arrival_ms;
  d.state.last_arrival_ms = active.last_arrival_ms;
  d.state.index = active.index;  // a new segment's whole index, or the published one's new entries
  d.index_base = ckpt_.created.empty() ? ckpt_.index_base : 0;
  return d;
}

void DiskShardLog::CheckpointPublish() {
  bool still_dirty = false;
  {
    WriterMutexLock lock(&meta_mu_);
    if (!meta_dropped_) {
      if (ckpt_.update_target && ckpt_.target) {
        Segment& t = *ckpt_.target;
        t.end_offset = ckpt_.update.end_offset;
        t.data_bytes = ckpt_.update.data_bytes;
        t.first_arrival_ms = ckpt_.update.first_arrival_ms;
        t.last_arrival_ms = ckpt_.update.last_arrival_ms;
        t.index.insert(t.index.end(), ckpt_.update.index.begin(), ckpt_.update.index.end());
        t.sealed = ckpt_.seal_target;
      }
      for (const std::shared_ptr<Segment>& s : ckpt_.created) segments_.push_back(s);
      for (size_t i = 0; i < ckpt_.frames && !mem_.empty(); ++i) mem_.pop_front();
      mem_bytes_ -= std::min(mem_bytes_, ckpt_.frame_bytes);
      still_dirty = !mem_.empty();
    }
  }
  ckpt_ = Checkpoint{};
  if (still_dirty && env_->mark_dirty) env_->mark_dirty(shared_from_this());
}

void DiskShardLog::CheckpointAbort() {
  if (ckpt_.took_roll) roll_requested_ = true;  // the retention roll it took is still needed
  ckpt_ = Checkpoint{};
  if (env_->mark_dirty) env_->mark_dirty(shared_from_this());
}

manifest::ShardState DiskShardLog::DurableState() const {
  manifest::ShardState st;
  st.stream_uid = key_.stream_uid;
  st.shard_index = key_.shard_index;
  ReaderMutexLock lock(&meta_mu_);
  if (segments_.empty()) return st;
  const Segment& s = *segments_.back();
  st.segment_first_offset = s.first_offset;
  st.data_bytes = s.data_bytes;
  st.end_offset = s.end_offset;
  st.first_arrival_ms = s.first_arrival_ms;
  st.last_arrival_ms = s.last_arrival_ms;
  st.index = s.index;
  return st;
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
  uint64_t n = mem_bytes_;
  for (const auto& s : segments_) n += s->data_bytes;
  return n;
}

Status DiskShardLog::OpenFile(ReadPosition* where) const {
  SLUICE_ASSIGN_OR_RETURN(where->file, env_->files->Get(where->seg->path));
  return Status::Ok();
}

uint64_t DiskShardLog::OffsetForTimestamp(int64_t ms) const {
  ReadPosition where;
  uint64_t start = 0;
  {
    ReaderMutexLock lock(&meta_mu_);
    uint64_t end = visible_end_.load();
    start = std::min(start_offset_.load(), end);
    if (start == end || last_arrival_ms_.load() < ms) return end;
    // Segments, frames and memory have non-decreasing arrival times: binary search on the last one.
    auto it =
        std::lower_bound(segments_.begin(), segments_.end(), ms, [](const std::shared_ptr<Segment>& s, int64_t t) {
          return s->end_offset == s->first_offset || s->last_arrival_ms < t;
        });
    if (it == segments_.end()) {
      auto m =
          std::lower_bound(mem_.begin(), mem_.end(), ms, [](const MemFrame& f, int64_t t) { return f.arrival_ms < t; });
      return m == mem_.end() ? end : std::max(m->first_offset, start);
    }
    const Segment& seg = **it;
    if (seg.index.empty() || seg.index.front().arrival_ms >= ms) return std::max(seg.first_offset, start);
    auto e = std::lower_bound(seg.index.begin(), seg.index.end(), ms,
                              [](const segment::IndexEntry& x, int64_t t) { return x.arrival_ms < t; });
    --e;  // the last entry before ms: the answer lies in its interval
    where.seg = *it;
    where.pos = e->position;
    where.offset = e->offset;
    where.seg_end_pos = seg.data_bytes;
    where.seg_end_offset = seg.end_offset;
  }
  if (!OpenFile(&where).ok()) return std::max(where.offset, start);
  segment::FrameCursor cur(where.file.get(), where.pos, where.offset, where.seg_end_pos,
                           static_cast<size_t>(env_->options.index_interval_bytes * 2), &ThreadReadBuffer());
  while (true) {
    segment::FrameHeader h;
    const char* frame;
    auto r = cur.Next(&h, &frame);
    // Damage or I/O failure: answer with what is known; Read reports the damage.
    if (!r.ok() || *r != segment::FrameCheck::kOk)
      return std::max(r.ok() && *r == segment::FrameCheck::kEnd ? where.seg_end_offset : cur.offset(), start);
    if (h.arrival_ms >= ms) return std::max(h.first_offset, start);
  }
}

bool DiskShardLog::Locate(uint64_t at, uint32_t max_records, ReadPosition* where) const {
  ReaderMutexLock lock(&meta_mu_);
  auto it = std::upper_bound(segments_.begin(), segments_.end(), at,
                             [](uint64_t a, const std::shared_ptr<Segment>& s) { return a < s->first_offset; });
  if (it == segments_.begin()) return false;
  const std::shared_ptr<Segment>& seg = *--it;
  if (at >= seg->end_offset || seg->index.empty()) return false;
  where->seg = seg;
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
    if (ra_slot_ && ra_slot_->Covers(where.file.get(), where.pos)) slot = std::move(ra_slot_);
  }
  if (slot) {
    size_t got = slot->TakeInto(&ThreadReadBuffer());
    if (got > 0) cur->Adopt(slot->start(), got);
    // Keep the disk busy while this call is encoded and sent: if it walks about as far as the
    // previous one did (call_bytes), the next call starts near pos + span, at
    // most a frame and an index interval before where this one stops.
    uint64_t span = slot->call_bytes();
    if (span > kReadAheadOverlap) {
      StartReadAhead(where, where.pos + span - kReadAheadOverlap, span + kReadAheadOverlap, span, direct_min);
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
  if (!sequential || !Locate(next_offset, limits.max_records, &next) || !OpenFile(&next).ok()) return;
  bool covered;
  {
    MutexLock lock(&ra_mu_);
    covered = ra_slot_ && ra_slot_->Covers(next.file.get(), next.pos);
  }
  uint64_t want = std::min<uint64_t>(walked + kFillSlackBytes, limits.max_bytes + kFillSlackBytes);
  // One read-ahead per shard: a newer sequential reader replaces one nobody came back for.
  if (!covered) StartReadAhead(next, next.pos, want, want, direct_min);
}

void DiskShardLog::StartReadAhead(const ReadPosition& where, uint64_t pos, uint64_t want, uint64_t call_bytes,
                                  size_t direct_min) const {
  const uint64_t seg_end_pos = where.seg_end_pos;
  want = std::min(want, seg_end_pos - std::min(pos, seg_end_pos));
  if (want < direct_min || want == 0) return;
  uint64_t first = AlignDown(pos);
  uint64_t length = std::min<uint64_t>(AlignUp(pos + want), AlignUp(seg_end_pos)) - first;
  segment::ReadBuffer buf;
  if (!env_->read_ahead_budget->Take(length, &buf)) return;
  auto slot = std::make_shared<ReadAheadSlot>(env_->read_ahead_budget, where.file, first, length, seg_end_pos,
                                              std::move(buf), call_bytes);
  {
    MutexLock lock(&ra_mu_);
    ra_slot_ = slot;
  }
  env_->read_ahead->Submit(std::move(slot));
}

Result<bool> DiskShardLog::VisitFrame(const segment::FrameHeader& h, const char* frame, const ReadLimits& limits,
                                      const std::function<void(const RecordView&)>& visit, ReadSummary* sum) {
  RecordBatchReader reader({frame + segment::kFrameHeaderBytes, h.length - segment::kFrameHeaderBytes});
  RecordView v;
  v.arrival_ms = h.arrival_ms;
  v.offset = h.first_offset;
  while (reader.Next(&v.partition_key, &v.data)) {
    // >= next_offset, not >= from: a read starts at the index entry before its first record,
    // and after re-locating past a segment's old end, frames already visited come by again.
    if (v.offset >= sum->next_offset) {
      if (sum->records >= limits.max_records || (sum->records > 0 && sum->bytes + v.data.size() > limits.max_bytes)) {
        return false;
      }
      visit(v);
      ++sum->records;
      sum->bytes += v.data.size();
      sum->next_offset = v.offset + 1;
      sum->last_arrival_ms = v.arrival_ms;
    }
    ++v.offset;
  }
  // The cursor checked header and CRC only; the walk above is the payload check.
  if (!reader.AtEnd() || v.offset != h.first_offset + h.record_count) {
    return Status(Errc::kCorruption, "records do not fill the frame");
  }
  return true;
}

Status DiskShardLog::ReadSegments(const ReadLimits& limits, const std::function<void(const RecordView&)>& visit,
                                  ReadSummary* sum, bool* full) const {
  const uint64_t from = sum->next_offset;
  ReadPosition where;
  if (!Locate(from, limits.max_records, &where)) return Status::Ok();
  SLUICE_RETURN_IF_ERROR(OpenFile(&where));
  const size_t direct_min = env_->options.direct_io ? env_->options.direct_read_min_bytes : 0;
  const size_t first_fill = FillBytes(where, limits);
  const bool bulk = direct_min > 0 && first_fill >= direct_min;
  segment::FrameCursor cur(where.file.get(), where.pos, where.offset, where.seg_end_pos, first_fill,
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
      SLUICE_RETURN_IF_ERROR(OpenFile(&where));
      cur = segment::FrameCursor(where.file.get(), where.pos, where.offset, where.seg_end_pos, FillBytes(where, limits),
                                 &ThreadReadBuffer(), direct_min);
      continue;
    }
    if (check != segment::FrameCheck::kOk) return CorruptBatch(*where.seg, cur.frame_position(), check, cur.offset());
    walked += h.length;
    auto more = VisitFrame(h, frame, limits, visit, sum);
    if (!more.ok()) {
      return CorruptBatch(*where.seg, cur.frame_position(), segment::FrameCheck::kBadPayload, h.first_offset);
    }
    if (!*more) {
      *full = true;
      break;
    }
  }
  // Remember where this bulk read stopped; if it continued the previous one (a consumer
  // catching up), make sure a read-ahead covers where its next call will start.
  if (read_ahead) FollowWithReadAhead(sum->next_offset, sequential, walked, limits, direct_min);
  return Status::Ok();
}

void DiskShardLog::ReadMemory(const ReadLimits& limits, const std::function<void(const RecordView&)>& visit,
                              ReadSummary* sum, bool* full, bool* moved) const {
  std::vector<MemFrame> frames;
  bool truncated = false;
  {
    ReaderMutexLock lock(&meta_mu_);
    const uint64_t at = sum->next_offset;
    if (at >= visible_end_.load(std::memory_order_acquire)) return;
    if (mem_.empty() || at < mem_.front().first_offset) {
      *moved = true;  // a checkpoint moved it into the files after the segment read looked
      return;
    }
    auto it = std::upper_bound(mem_.begin(), mem_.end(), at,
                               [](uint64_t a, const MemFrame& f) { return a < f.first_offset; });
    --it;
    // Copy references to the frames this read can use, then visit them without the lock (a
    // visit encodes records; publishing must not wait for that).
    // Enough frames for the limits (frame bytes over-count data bytes, so the byte bound is
    // reached when it matters), at most kMaxMemFramesPerPass.
    const uint64_t skip = at - it->first_offset;
    uint64_t records = 0, bytes = 0;
    for (; it != mem_.end(); ++it) {
      if (frames.size() == kMaxMemFramesPerPass || records >= limits.max_records + skip || bytes > limits.max_bytes) {
        truncated = true;
        break;
      }
      frames.push_back(*it);
      records += it->count;
      bytes += it->length;
    }
  }
  for (const MemFrame& f : frames) {
    segment::FrameHeader h = segment::DecodeFrameHeader(f.bytes);
    auto more = VisitFrame(h, f.bytes, limits, visit, sum);
    if (!more.ok() || !*more) {
      *full = true;
      return;
    }
  }
  // Stopped early with room left: the caller's next pass goes on from where this one ended.
  if (truncated) *moved = true;
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
  // Files first, then memory; a checkpoint moving frames from memory to the files between the
  // two sends the read back to the files. A handful of passes always suffices: each one moves
  // forward or finds the log's end.
  bool full = false;
  for (int pass = 0; pass < 64 && !full; ++pass) {
    SLUICE_RETURN_IF_ERROR(ReadSegments(limits, visit, &sum, &full));
    if (full) break;
    bool moved = false;
    ReadMemory(limits, visit, &sum, &full, &moved);
    if (!moved) break;
  }
  return sum;
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
      roll = mem_.empty() && last.end_offset > last.first_offset && last.last_arrival_ms < horizon_ms;
    }
  }
  // The newest segment has expired too: the next checkpoint seals it behind an empty one so a
  // later pass frees it.
  if (roll && !roll_requested_.exchange(true) && env_->mark_dirty) env_->mark_dirty(shared_from_this());
  if (expired.empty()) return Status::Ok();
  for (const auto& s : expired) {
    env_->files->Erase(s->path);
    SLUICE_RETURN_IF_ERROR(env_->fs->RemoveFile(s->path));
    Status st = env_->fs->RemoveFile(IndexPath(s->first_offset));
    if (!st.ok() && env_->fs->Exists(IndexPath(s->first_offset))) return st;
    SLOG(kInfo, "storage", "segment expired", {{"path", s->path}, {"end_offset", std::to_string(s->end_offset)}});
  }
  return env_->fs->SyncDir(dir_);
}

void DiskShardLog::MarkDropped() {
  {
    MutexLock lock(&mu_);
    dropped_ = true;
  }
  std::vector<std::shared_ptr<Segment>> segs;
  {
    WriterMutexLock lock(&meta_mu_);
    meta_dropped_ = true;
    mem_.clear();
    mem_bytes_ = 0;
    segs = segments_;
  }
  for (const auto& s : segs) env_->files->Erase(s->path);
}

bool DiskShardLog::dropped() const {
  MutexLock lock(&mu_);
  return dropped_;
}

}  // namespace sluice::storage::internal
