// Recovery of one shard's log from its files: sealed segments are trusted through their index
// files; only the newest segment (the tail) is scanned, and a torn or corrupt tail is cut off.
#include <algorithm>
#include <cstring>
#include <map>

#include "base/log.h"
#include "storage/disk_shard_log.h"
#include "storage/segment_scan.h"

namespace sluice::storage::internal {

Status DiskShardLog::WriteIndexFile(const segment::SegmentIndex& idx) {
  std::string bytes = segment::EncodeIndex(idx);
  std::string path = IndexPath(idx.first_offset);
  std::string tmp = path + ".tmp";
  FileOptions o;
  o.create = true;
  o.writable = true;
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<File> f, env_->fs->Open(tmp, o));
  SLUICE_RETURN_IF_ERROR(f->Truncate(0));
  SLUICE_RETURN_IF_ERROR(f->WriteAt(0, bytes.data(), bytes.size()));
  SLUICE_RETURN_IF_ERROR(f->Sync());
  return env_->fs->Rename(tmp, path);
}

// Bytes after the last valid frame must read as zeros, or a later scan could take stale
// frames of an unacknowledged write for data.
Status DiskShardLog::ZeroStaleTail(const std::string& path, uint64_t from, uint64_t size) {
  if (from >= size) return Status::Ok();
  FileOptions o;
  o.writable = true;
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<File> f, env_->fs->Open(path, o));
  std::vector<char> buf(kStagingChunkBytes);
  uint64_t last_dirty = from;
  for (uint64_t pos = from; pos < size;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), size - pos));
    SLUICE_ASSIGN_OR_RETURN(const size_t got, f->ReadAt(pos, buf.data(), n));
    if (got == 0) break;
    for (size_t i = got; i > 0; --i)
      if (buf[i - 1] != 0) {
        last_dirty = pos + i;
        break;
      }
    pos += got;
  }
  if (last_dirty == from) return Status::Ok();
  std::memset(buf.data(), 0, buf.size());
  for (uint64_t pos = from; pos < last_dirty;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), last_dirty - pos));
    SLUICE_RETURN_IF_ERROR(f->WriteAt(pos, buf.data(), n));
    pos += n;
  }
  SLOG(kWarn, "storage", "zeroed stale bytes after the end of the log",
       {{"path", path}, {"from", std::to_string(from)}, {"to", std::to_string(last_dirty)}});
  return f->Sync();
}

Status DiskShardLog::RecoverSegments(std::vector<std::shared_ptr<Segment>>* out) {
  SLUICE_ASSIGN_OR_RETURN(const std::vector<std::string> names, env_->fs->ListDir(dir_));
  std::map<uint64_t, bool> found;  // first offset -> has an index file
  std::vector<uint64_t> indexes;
  for (const std::string& n : names) {
    if (n.ends_with(".tmp")) {
      SLUICE_RETURN_IF_ERROR(env_->fs->RemoveFile(dir_ + "/" + n));
    } else if (auto first = segment::ParseSegmentFileName(n)) {
      found.emplace(*first, false);
    } else if (auto idx = segment::ParseIndexFileName(n)) {
      indexes.push_back(*idx);
    }
  }
  for (uint64_t i : indexes) {
    auto it = found.find(i);
    if (it != found.end()) it->second = true;
  }
  const uint64_t interval = env_->options.index_interval_bytes;
  std::optional<uint64_t> expected;
  for (auto it = found.begin(); it != found.end(); ++it) {
    uint64_t first = it->first;
    bool is_last = std::next(it) == found.end();
    std::string path = SegmentPath(first);
    if (expected && first != *expected) {
      // Nothing after a gap can have been acknowledged: the segment before it was synced
      // (sealed) before anything was written to the next one.
      SLOG(kWarn, "storage", "segment does not continue the log; discarding it and later segments",
           {{"path", path}, {"expected_offset", std::to_string(*expected)}});
      for (auto j = it; j != found.end(); ++j) {
        SLUICE_RETURN_IF_ERROR(env_->fs->RemoveFile(SegmentPath(j->first)));
        if (j->second) SLUICE_RETURN_IF_ERROR(env_->fs->RemoveFile(IndexPath(j->first)));
      }
      SLUICE_RETURN_IF_ERROR(env_->fs->SyncDir(dir_));
      break;
    }
    auto seg = std::make_shared<Segment>();
    seg->first_offset = first;
    seg->end_offset = first;
    seg->path = path;
    SLUICE_ASSIGN_OR_RETURN(seg->reader, env_->fs->Open(path, FileOptions{}));
    SLUICE_ASSIGN_OR_RETURN(const uint64_t size, seg->reader->Size());
    bool have_index = false;
    if (!is_last && it->second) {
      auto read_index_bytes = [&]() -> Result<std::string> {
        SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<File> f, env_->fs->Open(IndexPath(first), FileOptions{}));
        SLUICE_ASSIGN_OR_RETURN(const uint64_t n, f->Size());
        std::string bytes(n, '\0');
        SLUICE_ASSIGN_OR_RETURN(const size_t got, f->ReadAt(0, bytes.data(), bytes.size()));
        bytes.resize(got);
        return bytes;
      };
      SLUICE_ASSIGN_OR_RETURN(const std::string index_bytes, read_index_bytes());
      auto idx = segment::DecodeIndex(index_bytes);
      if (idx && idx->first_offset == first && idx->data_bytes == size && !idx->entries.empty()) {
        seg->end_offset = idx->end_offset;
        seg->data_bytes = idx->data_bytes;
        seg->last_arrival_ms = idx->last_arrival_ms;
        seg->first_arrival_ms = idx->entries.front().arrival_ms;
        seg->index = std::move(idx->entries);
        seg->sealed = true;
        have_index = true;
      } else {
        SLOG(kWarn, "storage", "index file damaged or stale; rebuilding it", {{"path", IndexPath(first)}});
      }
    }
    if (!have_index) {
      auto scan = segment::ScanSegment(*seg->reader, first, [&](uint64_t pos, const segment::FrameHeader& h) {
        AddToSparseIndex(&seg->index, {h.first_offset, pos, h.arrival_ms}, interval);
      });
      if (!scan.ok()) return scan.status();
      seg->end_offset = scan->next_offset;
      seg->data_bytes = scan->end_position;
      seg->first_arrival_ms = scan->first_arrival_ms;
      seg->last_arrival_ms = scan->last_arrival_ms;
      if (scan->stop != segment::FrameCheck::kEnd) {
        SLOG(kWarn, "storage", "torn or corrupt tail cut off",
             {{"path", path},
              {"position", std::to_string(scan->end_position)},
              {"next_offset", std::to_string(scan->next_offset)},
              {"check", std::string(segment::FrameCheckName(scan->stop))}});
      }
      if (is_last) {
        SLUICE_RETURN_IF_ERROR(ZeroStaleTail(path, scan->end_position, scan->file_size));
      } else {
        FileOptions wo;
        wo.writable = true;
        SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<File> w, env_->fs->Open(path, wo));
        SLUICE_RETURN_IF_ERROR(w->Truncate(seg->data_bytes));
        SLUICE_RETURN_IF_ERROR(w->Sync());
        if (seg->end_offset > first) {
          segment::SegmentIndex idx{first, seg->end_offset, seg->data_bytes, seg->last_arrival_ms, seg->index};
          SLUICE_RETURN_IF_ERROR(WriteIndexFile(idx));
        }
        seg->sealed = true;
      }
    }
    if (is_last && it->second) {
      // The tail is appended to again: its index lives in memory until it is sealed.
      SLUICE_RETURN_IF_ERROR(env_->fs->RemoveFile(IndexPath(first)));
    }
    expected = seg->end_offset;
    out->push_back(std::move(seg));
  }
  if (!out->empty()) out->back()->sealed = false;
  return Status::Ok();
}

Status DiskShardLog::Recover() {
  SLUICE_RETURN_IF_ERROR(env_->fs->CreateDirs(dir_));
  std::vector<std::shared_ptr<Segment>> segs;
  SLUICE_RETURN_IF_ERROR(RecoverSegments(&segs));
  writer_file_.reset();
  writer_small_file_.reset();
  writer_segment_.reset();
  writer_unsynced_ = false;
  char tail[kDirectIoAlignment] = {};
  uint64_t next = 0;
  int64_t last_arrival = 0;
  if (!segs.empty()) {
    const std::shared_ptr<Segment>& last = segs.back();
    SLUICE_RETURN_IF_ERROR(OpenWriter(last->path));
    SLUICE_ASSIGN_OR_RETURN(writer_zeroed_end_, writer_file_->Size());
    writer_segment_ = last;
    writer_zero_step_ = 1 << 20;
    uint64_t base = AlignDown(last->data_bytes);
    if (last->data_bytes > base) {
      SLUICE_RETURN_IF_ERROR(last->reader->ReadAt(base, tail, last->data_bytes - base).status());
    }
    next = last->end_offset;
    for (const auto& s : segs)
      if (s->end_offset > s->first_offset) last_arrival = s->last_arrival_ms;
  }
  {
    MutexLock lock(&mu_);
    next_offset_ = next;
    last_arrival_assigned_ = last_arrival;
    has_segment_ = !segs.empty();
    stage_segment_first_ = has_segment_ ? segs.back()->first_offset : 0;
    stage_segment_bytes_ = has_segment_ ? segs.back()->data_bytes : 0;
    stage_segment_first_arrival_ = has_segment_ ? segs.back()->first_arrival_ms : 0;
    std::memcpy(tail_block_, tail, sizeof tail);
    failed_ = Status::Ok();
    retry_at_ms_ = INT64_MAX;
  }
  WriterMutexLock lock(&meta_mu_);
  start_offset_.store(segs.empty() ? next : segs.front()->first_offset);
  visible_end_.store(next);
  last_arrival_ms_.store(last_arrival);
  segments_ = std::move(segs);
  return Status::Ok();
}

}  // namespace sluice::storage::internal
