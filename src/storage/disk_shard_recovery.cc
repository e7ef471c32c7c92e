// Recovery of one shard's log from its files. Sealed segments are trusted through their index
// files. The active segment's end comes from the manifest (bytes past it were written by a
// checkpoint that did not complete, and the journal still holds them); a shard the manifest
// does not know (a data directory written before the journal existed) has its newest segment
// scanned, and a torn or corrupt tail is cut off.
#include <algorithm>
#include <cstring>
#include <map>

#include "base/log.h"
#include "storage/chunked_reader.h"
#include "storage/disk_shard_log.h"
#include "storage/segment_files.h"
#include "storage/segment_scan.h"

namespace sluice::storage::internal {
namespace {

struct Listing {
  std::map<uint64_t, bool> segments;  // first offset -> has an index file
};

// The shard directory's segments and which have an index (storage's one listing, shared with
// `sluice log`); leftover *.tmp files are removed.
Result<Listing> ListShardDir(FileSystem* fs, const std::string& dir) {
  SLUICE_ASSIGN_OR_RETURN(const segment::ShardDirFiles files, segment::ListSegmentFiles(*fs, dir));
  for (const std::string& tmp : files.temp_files) SLUICE_RETURN_IF_ERROR(fs->RemoveFile(tmp));
  Listing l;
  for (const segment::SegmentFiles& s : files.segments) l.segments.emplace(s.first_offset, !s.idx_path.empty());
  return l;
}

}  // namespace

Status DiskShardLog::WriteIndexFile(const segment::SegmentIndex& idx, bool sync) {
  std::string bytes = segment::EncodeIndex(idx);
  std::string path = IndexPath(idx.first_offset);
  std::string tmp = path + ".tmp";
  FileOptions o;
  o.create = true;
  o.writable = true;
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<File> f, env_->fs->Open(tmp, o));
  SLUICE_RETURN_IF_ERROR(f->Truncate(0));
  SLUICE_RETURN_IF_ERROR(f->WriteAt(0, bytes.data(), bytes.size()));
  if (sync) SLUICE_RETURN_IF_ERROR(f->Sync());
  return env_->fs->Rename(tmp, path);
}

Status DiskShardLog::TruncateTo(const std::string& path, uint64_t size) {
  FileOptions wo;
  wo.writable = true;
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<File> w, env_->fs->Open(path, wo));
  SLUICE_ASSIGN_OR_RETURN(const uint64_t have, w->Size());
  if (have == size) return Status::Ok();
  env_->files->Erase(path);
  return w->Truncate(size);
}

// A sealed segment: trusted through its index file when the index is intact and agrees with
// the file; otherwise scanned once, cut to its valid data and given a new index.
Result<std::shared_ptr<Segment>> DiskShardLog::TrustOrRebuildSealed(uint64_t first, bool has_index) {
  auto seg = std::make_shared<Segment>();
  seg->first_offset = first;
  seg->end_offset = first;
  seg->path = SegmentPath(first);
  seg->sealed = true;
  SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<File> file, env_->files->Get(seg->path));
  SLUICE_ASSIGN_OR_RETURN(const uint64_t size, file->Size());
  if (has_index) {
    SLUICE_ASSIGN_OR_RETURN(const std::string index_bytes, ReadWholeFile(*env_->fs, IndexPath(first)));
    if (auto idx = segment::TrustedIndex(index_bytes, first, size)) {
      seg->end_offset = idx->end_offset;
      seg->data_bytes = idx->data_bytes;
      seg->last_arrival_ms = idx->last_arrival_ms;
      seg->first_arrival_ms = idx->entries.front().arrival_ms;
      seg->index = std::move(idx->entries);
      return seg;
    }
    SLOG(kWarn, "storage", "index file damaged or stale; rebuilding it", {{"path", IndexPath(first)}});
  }
  const uint64_t interval = env_->options.index_interval_bytes;
  auto scan = segment::ScanSegment(*file, first, [&](uint64_t pos, const segment::FrameHeader& h) {
    AddToSparseIndex(&seg->index, {h.first_offset, pos, h.arrival_ms}, interval);
  });
  if (!scan.ok()) return scan.status();
  seg->end_offset = scan->next_offset;
  seg->data_bytes = scan->end_position;
  seg->first_arrival_ms = scan->first_arrival_ms;
  seg->last_arrival_ms = scan->last_arrival_ms;
  if (scan->stop != segment::FrameCheck::kEnd) {
    SLOG(kWarn, "storage", "torn or corrupt segment cut off",
         {{"path", seg->path},
          {"position", std::to_string(scan->end_position)},
          {"next_offset", std::to_string(scan->next_offset)},
          {"check", std::string(segment::FrameCheckName(scan->stop))}});
  }
  SLUICE_RETURN_IF_ERROR(TruncateTo(seg->path, seg->data_bytes));
  if (seg->end_offset > first) {
    segment::SegmentIndex idx{first, seg->end_offset, seg->data_bytes, seg->last_arrival_ms, seg->index};
    SLUICE_RETURN_IF_ERROR(WriteIndexFile(idx, /*sync=*/true));
  }
  return seg;
}

Status DiskShardLog::RecoverFromManifest(const manifest::ShardState& state,
                                         std::vector<std::shared_ptr<Segment>>* out) {
  SLUICE_ASSIGN_OR_RETURN(Listing l, ListShardDir(env_->fs, dir_));
  const uint64_t active = state.segment_first_offset;
  bool removed = false;
  // Segments after the active one were started by a checkpoint that did not complete.
  for (auto it = l.segments.upper_bound(active); it != l.segments.end();) {
    SLOG(kInfo, "storage", "removing a segment of an incomplete checkpoint", {{"path", SegmentPath(it->first)}});
    SLUICE_RETURN_IF_ERROR(env_->fs->RemoveFile(SegmentPath(it->first)));
    if (it->second) SLUICE_RETURN_IF_ERROR(env_->fs->RemoveFile(IndexPath(it->first)));
    it = l.segments.erase(it);
    removed = true;
  }
  auto act = l.segments.find(active);
  if (act == l.segments.end()) {
    if (state.data_bytes > 0) {
      return Status(Errc::kCorruption, "segment " + SegmentPath(active) + " is missing; the manifest records " +
                                           std::to_string(state.data_bytes) + " synced bytes in it");
    }
    l.segments.emplace(active, false);
    act = l.segments.find(active);
    FileOptions wo;
    wo.create = true;
    wo.writable = true;
    SLUICE_RETURN_IF_ERROR(env_->fs->Open(SegmentPath(active), wo).status());
  }
  std::optional<uint64_t> expected;
  for (auto it = l.segments.begin(); it != act; ++it) {
    if (expected && it->first != *expected) {
      return Status(Errc::kCorruption, "segment " + SegmentPath(it->first) + " does not continue the log at offset " +
                                           std::to_string(*expected));
    }
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<Segment> seg, TrustOrRebuildSealed(it->first, it->second));
    expected = seg->end_offset;
    out->push_back(std::move(seg));
  }
  if (expected && *expected != active) {
    return Status(Errc::kCorruption, "the active segment " + SegmentPath(active) +
                                         " does not continue the log at offset " + std::to_string(*expected));
  }
  auto seg = std::make_shared<Segment>();
  seg->first_offset = active;
  seg->path = SegmentPath(active);
  seg->end_offset = state.end_offset;
  seg->data_bytes = state.data_bytes;
  seg->first_arrival_ms = state.first_arrival_ms;
  seg->last_arrival_ms = state.last_arrival_ms;
  seg->index = state.index;
  FileOptions ro;
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<File> f, env_->fs->Open(seg->path, ro));
  SLUICE_ASSIGN_OR_RETURN(const uint64_t size, f->Size());
  if (size < state.data_bytes) {
    return Status(Errc::kCorruption, "segment " + seg->path + " holds " + std::to_string(size) +
                                         " bytes; the manifest records " + std::to_string(state.data_bytes) +
                                         " synced bytes");
  }
  // Bytes past the recorded end: an incomplete checkpoint wrote them; the journal replays them.
  if (size > state.data_bytes) SLUICE_RETURN_IF_ERROR(TruncateTo(seg->path, state.data_bytes));
  if (act->second) SLUICE_RETURN_IF_ERROR(env_->fs->RemoveFile(IndexPath(active)));
  out->push_back(std::move(seg));
  if (removed) SLUICE_RETURN_IF_ERROR(env_->fs->SyncDir(dir_));
  return Status::Ok();
}

Status DiskShardLog::RecoverByScan(std::vector<std::shared_ptr<Segment>>* out) {
  SLUICE_ASSIGN_OR_RETURN(Listing l, ListShardDir(env_->fs, dir_));
  std::optional<uint64_t> expected;
  for (auto it = l.segments.begin(); it != l.segments.end(); ++it) {
    uint64_t first = it->first;
    bool is_last = std::next(it) == l.segments.end();
    if (expected && first != *expected) {
      // Nothing after a gap can have been acknowledged: the segment before it was synced
      // (sealed) before anything was written to the next one.
      SLOG(kWarn, "storage", "segment does not continue the log; discarding it and later segments",
           {{"path", SegmentPath(first)}, {"expected_offset", std::to_string(*expected)}});
      for (auto j = it; j != l.segments.end(); ++j) {
        SLUICE_RETURN_IF_ERROR(env_->fs->RemoveFile(SegmentPath(j->first)));
        if (j->second) SLUICE_RETURN_IF_ERROR(env_->fs->RemoveFile(IndexPath(j->first)));
      }
      SLUICE_RETURN_IF_ERROR(env_->fs->SyncDir(dir_));
      break;
    }
    // The newest segment is scanned whatever its index says: it is the one appended to.
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<Segment> seg, TrustOrRebuildSealed(first, !is_last && it->second));
    if (is_last) {
      seg->sealed = false;
      if (it->second) SLUICE_RETURN_IF_ERROR(env_->fs->RemoveFile(IndexPath(first)));
    }
    expected = seg->end_offset;
    out->push_back(std::move(seg));
  }
  return Status::Ok();
}

Status DiskShardLog::Recover(const manifest::ShardState* state) {
  SLUICE_RETURN_IF_ERROR(env_->fs->CreateDirs(dir_));
  std::vector<std::shared_ptr<Segment>> segs;
  if (state != nullptr) {
    SLUICE_RETURN_IF_ERROR(RecoverFromManifest(*state, &segs));
  } else {
    SLUICE_RETURN_IF_ERROR(RecoverByScan(&segs));
  }
  uint64_t next = segs.empty() ? 0 : segs.back()->end_offset;
  int64_t last_arrival = 0;
  for (const auto& s : segs)
    if (s->end_offset > s->first_offset) last_arrival = s->last_arrival_ms;
  {
    MutexLock lock(&mu_);
    next_offset_ = next;
    last_arrival_assigned_ = last_arrival;
  }
  WriterMutexLock lock(&meta_mu_);
  start_offset_.store(segs.empty() ? next : segs.front()->first_offset);
  visible_end_.store(next);
  last_arrival_ms_.store(last_arrival);
  segments_ = std::move(segs);
  mem_.clear();
  mem_bytes_ = 0;
  return Status::Ok();
}

}  // namespace sluice::storage::internal
