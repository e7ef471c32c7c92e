// `sluice log verify`: every frame's CRC and shape, offset continuity within and across
// segments, each index against its segment, and what lies after the end marker; the manifest
// against each shard's active segment and the journal against the manifest; and, per shard, what
// recovery keeps, decided by storage's own rules (segment_files.h, frame_reader.h, the journal's
// end rule in journal_reader.h).
#include <algorithm>
#include <memory>
#include <set>

#include "storage/chunked_reader.h"
#include "storage/frame_reader.h"
#include "storage/segment_files.h"
#include "tools/log_layout.h"
#include "tools/log_tool.h"
#include "tools/progress.h"
#include "tools/store_state.h"

namespace sluice::tools {
namespace seg = storage::segment;
namespace {

enum class Severity { kError, kWarning };

class Verifier {
 public:
  Verifier(FileSystem* fs, std::ostream& out, Progress* progress) : fs_(fs), out_(out), progress_(progress) {}

  // The manifest and the journal (journal layout only); before the shards.
  Status VerifyStore(const LogToolOptions& options);
  Status VerifyShard(const ShardFiles& shard);
  // Shards the manifest or the journal name that have no directory; after the shards.
  void VerifyUnvisited(const LogToolOptions& options);
  void PrintSummary() const;
  int ExitCode() const { return errors_ > 0 ? kExitProblems : kExitClean; }

 private:
  struct SegmentOutcome {
    std::optional<uint64_t> frames_end;  // offset after the frames walked, or nullopt when damage hides it
    uint64_t kept_end = 0;               // offset after what recovery keeps of the segment
    seg::ScanResult log;                 // where the segment's log ends by the rule
    bool end_from_metadata = false;      // recovery takes the end from the index or the manifest, not a scan
  };
  // active: the manifest's state when this is its shard's active segment.
  Result<SegmentOutcome> VerifySegment(const SegmentFiles& segment, bool last, const manifest::ShardState* active);
  void CheckAgainstManifest(const SegmentFiles& segment, uint64_t size, const manifest::ShardState& active,
                            const seg::WalkEnd& end);
  void CheckJournalFilesBeyondEnd(const std::vector<uint64_t>& numbers);
  // What journal replay adds after `end` for the shard; reports a journal that does not continue it.
  uint64_t ReplayEnd(const manifest::ShardKey& key, uint64_t end, std::string* where);
  std::string ManifestPath() const;
  Result<std::optional<seg::SegmentIndex>> LoadIndex(const SegmentFiles& segment, std::string* bytes);
  void ReportKept(const ShardFiles& shard, uint64_t start, uint64_t end, const std::string& where);
  void Report(Severity severity, const std::string& path, uint64_t pos, std::optional<uint64_t> offset,
              std::string_view what, const std::string& detail = "");

  FileSystem* fs_;
  std::ostream& out_;
  Progress* progress_;
  StoreState store_;
  std::set<manifest::ShardKey> visited_;
  uint64_t shards_ = 0, segments_ = 0, frames_ = 0, records_ = 0, bytes_ = 0;
  uint64_t errors_ = 0, warnings_ = 0;
};

void Verifier::Report(Severity severity, const std::string& path, uint64_t pos, std::optional<uint64_t> offset,
                      std::string_view what, const std::string& detail) {
  ++(severity == Severity::kError ? errors_ : warnings_);
  out_ << (severity == Severity::kError ? "error: " : "warning: ") << path << ": pos " << pos << ": offset ";
  if (offset) {
    out_ << *offset;
  } else {
    out_ << '?';
  }
  out_ << ": " << what;
  if (!detail.empty()) out_ << " (" << detail << ')';
  out_ << '\n';
}

// Recovery's decisions, shard by shard: segments in offset order; a sealed segment with a
// trusted index keeps what the index says, any other is scanned and keeps its log up to the
// rule's end; a segment that does not start where the previous one ended is discarded with
// everything after it (nothing after a gap can have been acknowledged).
//
// With a manifest, the shard's active segment is the one it names: recovery keeps it up to the
// manifest's data_bytes and end_offset (bytes after it are an interrupted checkpoint's), and
// later segments are removed. Journal replay then continues the shard from its end.
Status Verifier::VerifyShard(const ShardFiles& shard) {
  ++shards_;
  const manifest::ShardKey key{shard.stream_uid, shard.shard_index};
  visited_.insert(key);
  const manifest::ShardState* active = nullptr;
  if (store_.manifest) {
    auto it = store_.manifest->manifest.shards.find(key);
    if (it != store_.manifest->manifest.shards.end()) active = &it->second;
  }
  bool active_seen = false;
  for (const std::string& orphan : shard.orphan_indexes) {
    Report(Severity::kWarning, orphan, 0, std::nullopt, "index without its segment");
  }
  std::optional<uint64_t> prev_end;              // by the frames walked
  std::optional<uint64_t> kept_start, kept_end;  // what recovery keeps
  std::string where;                             // where the kept log ends, when not at a clean end
  bool kept_open = true;
  for (size_t i = 0; i < shard.segments.size(); ++i) {
    const SegmentFiles& segment = shard.segments[i];
    bool last = i + 1 == shard.segments.size();
    // Retention removes whole segments from the front, so only the first may follow a gap.
    if (prev_end && *prev_end != segment.first_offset) {
      Report(Severity::kError, segment.log_path, 0, segment.first_offset, "offset gap between segments",
             "previous segment ends at offset " + std::to_string(*prev_end));
    }
    const bool is_active = active && segment.first_offset == active->segment_first_offset;
    if (active && active_seen) {
      Report(Severity::kWarning, segment.log_path, 0, segment.first_offset,
             "segment after the manifest's active segment", "left by an interrupted checkpoint; recovery removes it");
    }
    if (!last && !is_active && segment.idx_path.empty()) {
      Report(Severity::kWarning, segment.log_path, 0, segment.first_offset, "sealed segment has no index");
    }
    SLUICE_ASSIGN_OR_RETURN(const SegmentOutcome outcome, VerifySegment(segment, last, is_active ? active : nullptr));
    prev_end = outcome.frames_end;
    if (active_seen) continue;
    active_seen = is_active;
    if (!kept_open) continue;
    if (kept_end && *kept_end != segment.first_offset) {
      kept_open = false;
      // Without a manifest the segments after a gap cannot hold acknowledged data and are
      // discarded; with one, the manifest vouches for them and the gap is damage.
      where = active ? "recovery fails: " + segment.log_path + " does not continue the log"
                     : segment.log_path + " and later segments discarded: they do not continue the log";
      continue;
    }
    if (!kept_start) kept_start = segment.first_offset;
    kept_end = outcome.kept_end;
    if (!outcome.end_from_metadata && outcome.log.stop != seg::FrameCheck::kEnd) {
      where = "the log ends at " + segment.log_path + " pos " + std::to_string(outcome.log.end_position) + ": " +
              std::string(seg::FrameCheckName(outcome.log.stop));
    } else {
      where.clear();
    }
  }
  if (active && !active_seen) {
    Report(Severity::kError, shard.path + "/" + seg::SegmentFileName(active->segment_first_offset), 0,
           active->segment_first_offset, "the manifest's active segment is missing",
           "the manifest (" + ManifestPath() + ") says it holds offsets up to " + std::to_string(active->end_offset));
    if (!kept_start) kept_start = active->segment_first_offset;
    kept_end = active->end_offset;
  }
  uint64_t end = ReplayEnd(key, kept_end.value_or(0), &where);
  ReportKept(shard, kept_start.value_or(0), end, where);
  return Status::Ok();
}

uint64_t Verifier::ReplayEnd(const manifest::ShardKey& key, uint64_t end, std::string* where) {
  auto it = store_.frames.find(key);
  if (it == store_.frames.end()) return end;
  const uint64_t from = end;
  bool reported = false;
  // Replay takes a frame that starts at the shard's end, skips one whose records the segments
  // already hold, and skips (with a warning) any other: reported here once per shard.
  for (const JournalFrame& f : it->second) {
    const uint64_t frame_end = f.first_offset + f.record_count;
    if (frame_end <= end) continue;  // already in the segments
    if (f.first_offset != end) {
      if (!reported) {
        Report(Severity::kError, store_.journal_dir, 0, f.first_offset, "journal does not continue the shard",
               "shard " + seg::StreamDirName(key.first) + "/" + seg::ShardDirName(key.second) + " is at offset " +
                   std::to_string(end) + "; replay skips the frame");
      }
      reported = true;
      continue;
    }
    end = frame_end;
  }
  if (end > from) {
    if (!where->empty()) where->append("; ");
    where->append("journal replay adds [" + std::to_string(from) + ", " + std::to_string(end) + ")");
  }
  return end;
}

void Verifier::VerifyUnvisited(const LogToolOptions& options) {
  auto selected = [&](const manifest::ShardKey& key) {
    return !visited_.contains(key) && (!options.stream_uid || key.first == *options.stream_uid) &&
           (!options.shard_index || key.second == *options.shard_index);
  };
  if (store_.manifest) {
    for (const auto& [key, state] : store_.manifest->manifest.shards) {
      if (!selected(key)) continue;
      // Deltas cannot remove a shard: a dropped stream's shards stay until the next snapshot.
      Report(Severity::kWarning, ManifestPath(), 0, state.end_offset, "the manifest names a shard without a directory",
             "shard " + seg::StreamDirName(key.first) + "/" + seg::ShardDirName(key.second) +
                 ": a dropped stream; recovery ignores it");
    }
  }
  for (const auto& [key, frames] : store_.frames) {
    if (!selected(key) || (store_.manifest && store_.manifest->manifest.shards.contains(key))) continue;
    // Every shard has its directory from its first append: journal entries of a shard without
    // one belong to a dropped stream, and replay skips them.
    out_ << "shard " << seg::StreamDirName(key.first) << '/' << seg::ShardDirName(key.second) << ": " << frames.size()
         << " journal entries but no directory (a dropped stream): recovery skips them\n";
  }
}

std::string Verifier::ManifestPath() const {
  return store_.journal_dir + "/" + manifest::FileName(store_.manifest ? store_.manifest->file_number : 0);
}

Status Verifier::VerifyStore(const LogToolOptions& options) {
  ProgressFeed feed(progress_);
  SLUICE_ASSIGN_OR_RETURN(store_,
                          ReadStoreState(*fs_, options.data_dir, nullptr, [&](uint64_t bytes) { feed.Update(bytes); }));
  if (!store_.journal_dir_exists) return Status::Ok();  // written before the journal existed
  if (!store_.manifest) {
    out_ << "manifest: none in " << store_.journal_dir << '\n';
  } else {
    const manifest::ReadResult& m = *store_.manifest;
    out_ << "manifest: " << ManifestPath() << " records=" << m.records
         << " replay_from=" << FormatPosition(m.manifest.replay_from) << " shards=" << m.manifest.shards.size() << '\n';
    if (m.torn_tail) {
      Report(Severity::kWarning, ManifestPath(), m.valid_bytes, std::nullopt, "torn record after the last intact one",
             "an interrupted checkpoint; recovery ignores it");
    }
  }
  SLUICE_ASSIGN_OR_RETURN(const std::vector<std::string> names, fs_->ListDir(store_.journal_dir));
  std::vector<uint64_t> numbers;
  for (const std::string& name : names) {
    if (auto n = journal::ParseFileName(name)) numbers.push_back(*n);
  }
  std::sort(numbers.begin(), numbers.end());
  if (!store_.journal_start) {
    out_ << "journal: no files\n";
    return Status::Ok();
  }
  const journal::End& end = store_.journal_end;
  out_ << "journal: from " << FormatPosition(*store_.journal_start) << " to " << FormatPosition(end.end) << " ("
       << (end.missing_file ? "next file absent" : journal::EntryCheckName(end.check));
  if (end.check == journal::EntryCheck::kBadFrame) out_ << ": " << seg::FrameCheckName(end.frame_check);
  out_ << ") files=" << end.files << " entries=" << end.entries << " bytes=" << end.bytes << '\n';
  if (end.files == 0 && store_.manifest) {
    out_ << "journal: replay_from's file " << journal::FileName(store_.journal_start->file_number)
         << " is absent: nothing to replay\n";
  }
  // A torn entry is the unacknowledged tail of a crash; it can also be damage that hides later
  // entries, which the check of the files beyond the end would then show.
  if (end.check == journal::EntryCheck::kTruncated || end.check == journal::EntryCheck::kBadCrc ||
      end.check == journal::EntryCheck::kBadFrame || end.check == journal::EntryCheck::kBadHeader) {
    Report(Severity::kWarning, store_.journal_dir + "/" + journal::FileName(end.end.file_number), end.end.position,
           std::nullopt, "journal ends at a torn or damaged entry", std::string(journal::EntryCheckName(end.check)));
  }
  CheckJournalFilesBeyondEnd(numbers);
  for (const auto& [key, frames] : store_.frames) {
    if ((options.stream_uid && key.first != *options.stream_uid) ||
        (options.shard_index && key.second != *options.shard_index))
      continue;
    uint64_t records = 0;
    for (const JournalFrame& f : frames) records += f.record_count;
    out_ << "journal: shard " << seg::StreamDirName(key.first) << '/' << seg::ShardDirName(key.second)
         << " entries=" << frames.size() << " records=" << records << " offsets [" << frames.front().first_offset
         << ", " << frames.back().first_offset + frames.back().record_count << ")\n";
  }
  return Status::Ok();
}

// A journal file past the end whose header and first entry are intact under its own number
// holds entries the journal's end hides from recovery. Recycled files waiting for reuse carry
// their old number in the header and do not count.
void Verifier::CheckJournalFilesBeyondEnd(const std::vector<uint64_t>& numbers) {
  const uint64_t end_file = store_.journal_end.end.file_number;
  for (uint64_t n : numbers) {
    if (n <= end_file) continue;
    const std::string path = store_.journal_dir + "/" + journal::FileName(n);
    Result<std::unique_ptr<File>> file = storage::OpenForRead(*fs_, path);
    if (!file.ok()) continue;
    std::string head(journal::kFileHeaderBytes + journal::kEntryHeaderBytes + seg::kFrameHeaderBytes, '\0');
    Result<size_t> got = (*file)->ReadAt(0, head.data(), head.size());
    if (!got.ok() || journal::DecodeFileHeader(head.data(), *got) != n) continue;
    journal::EntryHeader h;
    seg::FrameCheck fc;
    const size_t available = *got > journal::kFileHeaderBytes ? *got - journal::kFileHeaderBytes : 0;
    journal::EntryCheck c = journal::CheckEntry(head.data() + journal::kFileHeaderBytes, available, n, &h, &fc);
    // Only the entry header and the frame's header were read: a longer entry reads as truncated.
    if (c == journal::EntryCheck::kOk || c == journal::EntryCheck::kTruncated) {
      Report(Severity::kError, path, journal::kFileHeaderBytes, std::nullopt,
             "journal file beyond the journal's end holds entries", "recovery does not replay them");
    }
  }
}

void Verifier::ReportKept(const ShardFiles& shard, uint64_t start, uint64_t end, const std::string& where) {
  out_ << "shard " << seg::StreamDirName(shard.stream_uid) << '/' << seg::ShardDirName(shard.shard_index)
       << ": recovery keeps offsets [" << start << ", " << end << ')';
  if (!where.empty()) out_ << "; " << where;
  out_ << '\n';
}

Result<std::optional<seg::SegmentIndex>> Verifier::LoadIndex(const SegmentFiles& segment, std::string* bytes) {
  if (segment.idx_path.empty()) return std::optional<seg::SegmentIndex>();
  SLUICE_ASSIGN_OR_RETURN(*bytes, storage::ReadWholeFile(*fs_, segment.idx_path));
  std::optional<seg::SegmentIndex> index = seg::DecodeIndex(*bytes);
  if (!index) {
    Report(Severity::kError, segment.idx_path, 0, segment.first_offset, "bad index",
           "not a complete, intact index file");
  } else if (index->first_offset != segment.first_offset) {
    Report(Severity::kError, segment.idx_path, 8, index->first_offset, "bad index",
           "first_offset does not match the segment's name");
  }
  return index;
}

Result<Verifier::SegmentOutcome> Verifier::VerifySegment(const SegmentFiles& segment, bool last,
                                                         const manifest::ShardState* active) {
  std::string index_bytes;
  SLUICE_ASSIGN_OR_RETURN(const std::optional<seg::SegmentIndex> index, LoadIndex(segment, &index_bytes));
  SLUICE_ASSIGN_OR_RETURN(const std::unique_ptr<File> file, fs_->Open(segment.log_path, FileOptions{}));
  SLUICE_ASSIGN_OR_RETURN(const uint64_t size, file->Size());
  ++segments_;

  const std::vector<seg::IndexEntry> no_entries;
  // The active segment's index is the manifest's (it has no .idx until it is sealed).
  const std::vector<seg::IndexEntry>& entries = active ? active->index : index ? index->entries : no_entries;
  const std::string& index_path = active ? ManifestPath() : segment.idx_path;
  size_t next_entry = 0;
  auto entry_pos = [&](size_t i) { return active ? i : seg::kIndexHeaderBytes + i * seg::kIndexEntryBytes; };
  bool damaged = false;
  // With a manifest, the active segment's log is its first data_bytes: what lies after them was
  // written by a checkpoint that did not finish (its data is still in the journal).
  seg::FrameReader reader(file.get(), 0, active ? std::min(size, active->data_bytes) : size);
  ProgressFeed feed(progress_);
  auto on_frame = [&](const seg::ScannedFrame& f, std::optional<uint64_t> expected) {
    feed.Update(reader.bytes_read());
    for (; next_entry < entries.size() && entries[next_entry].position < f.pos; ++next_entry) {
      Report(Severity::kError, index_path, entry_pos(next_entry), entries[next_entry].offset, "bad index",
             "entry points at position " + std::to_string(entries[next_entry].position) + ", not at a frame start");
    }
    const seg::FrameHeader& h = f.header;
    if (next_entry < entries.size() && entries[next_entry].position == f.pos) {
      const seg::IndexEntry& e = entries[next_entry];
      if (f.check == seg::FrameCheck::kOk && (e.offset != h.first_offset || e.arrival_ms != h.arrival_ms)) {
        Report(Severity::kError, index_path, entry_pos(next_entry), e.offset, "bad index",
               "entry for position " + std::to_string(e.position) + " disagrees with the frame (offset " +
                   std::to_string(h.first_offset) + ", arrival " + std::to_string(h.arrival_ms) + ")");
      }
      ++next_entry;
    }
    if (f.check == seg::FrameCheck::kOk) {
      ++frames_;
      records_ += h.record_count;
      bytes_ += h.length;
      return true;
    }
    damaged = true;
    std::string detail;
    if (f.check == seg::FrameCheck::kBadOffset) {
      detail = "frame says " + std::to_string(h.first_offset);
    } else if (!seg::FrameReader::CanStepOver(f, reader.limit())) {
      detail = std::to_string(reader.limit() - f.pos) + " bytes from here on not checked";
    }
    Report(Severity::kError, segment.log_path, f.pos, expected ? expected : std::optional(h.first_offset),
           seg::FrameCheckName(f.check), detail);
    return true;
  };
  const seg::WalkOptions walk{.step_over_damage = true, .find_stale = true};
  SLUICE_ASSIGN_OR_RETURN(const seg::WalkEnd end, seg::WalkSegment(reader, segment.first_offset, walk, on_frame));
  feed.Update(reader.bytes_read());
  if (active) CheckAgainstManifest(segment, size, *active, end);
  if (active && !damaged) {
    for (; next_entry < entries.size(); ++next_entry) {
      Report(Severity::kError, index_path, entry_pos(next_entry), entries[next_entry].offset, "bad index",
             "manifest index entry points past data_bytes");
    }
  }

  if (end.stale) {
    Report(last ? Severity::kWarning : Severity::kError, segment.log_path, end.stale->first, end.next_offset,
           "stale bytes after end of data", "non-zero bytes up to position " + std::to_string(end.stale->second));
  }
  if (index && !damaged) {
    const seg::SegmentIndex& idx = *index;
    for (; next_entry < entries.size(); ++next_entry) {
      Report(Severity::kError, segment.idx_path, entry_pos(next_entry), entries[next_entry].offset, "bad index",
             "entry points past the end of data");
    }
    if (idx.end_offset != end.next_offset) {
      Report(Severity::kError, segment.idx_path, 16, idx.end_offset, "bad index",
             "end_offset does not match the segment, whose data ends at offset " +
                 std::to_string(end.next_offset.value_or(0)));
    }
    if (idx.data_bytes != end.data_end) {
      Report(Severity::kError, segment.idx_path, 24, idx.end_offset, "bad index",
             "data_bytes " + std::to_string(idx.data_bytes) + ", but the data ends at position " +
                 std::to_string(end.data_end));
    }
    // The engine trusts an index only when the file was cut to its data at seal; otherwise it
    // rescans the segment on start (correct, just slower).
    if (idx.data_bytes == end.data_end && idx.data_bytes != size) {
      Report(Severity::kWarning, segment.log_path, idx.data_bytes, idx.end_offset,
             "sealed segment is longer than its data", "recovery rescans it and rebuilds the index");
    }
    if (end.data_end > 0 && idx.last_arrival_ms != end.last_arrival_ms) {
      Report(Severity::kError, segment.idx_path, 32, idx.end_offset, "bad index",
             "last_arrival_ms " + std::to_string(idx.last_arrival_ms) + ", but the last frame arrived at " +
                 std::to_string(end.last_arrival_ms));
    }
  }
  SegmentOutcome outcome;
  outcome.frames_end = end.damaged_end ? std::nullopt : end.next_offset;
  outcome.log = end.log;
  outcome.kept_end = active ? active->end_offset : end.log.next_offset;
  outcome.end_from_metadata = active != nullptr;
  // Recovery scans the newest segment whatever its index says (it is appended to again).
  if (!last && !active && !segment.idx_path.empty()) {
    if (std::optional<seg::SegmentIndex> trusted = seg::TrustedIndex(index_bytes, segment.first_offset, size)) {
      outcome.end_from_metadata = true;
      outcome.kept_end = trusted->end_offset;
    }
  }
  return outcome;
}

void Verifier::CheckAgainstManifest(const SegmentFiles& segment, uint64_t size, const manifest::ShardState& active,
                                    const seg::WalkEnd& end) {
  const std::string want = "the manifest says data_bytes " + std::to_string(active.data_bytes) + ", end_offset " +
                           std::to_string(active.end_offset);
  if (size < active.data_bytes) {
    Report(Severity::kError, segment.log_path, size, std::nullopt, "segment is shorter than the manifest says", want);
  } else if (end.log.end_position != active.data_bytes) {
    Report(Severity::kError, segment.log_path, end.log.end_position, end.log.next_offset,
           "frames do not reach the manifest's data_bytes",
           std::string(seg::FrameCheckName(end.log.stop)) + "; " + want);
  } else if (end.log.next_offset != active.end_offset) {
    Report(Severity::kError, segment.log_path, end.log.end_position, end.log.next_offset,
           "frames end at another offset than the manifest's", want);
  } else if (end.log.frames > 0 && end.log.last_arrival_ms != active.last_arrival_ms) {
    Report(Severity::kError, segment.log_path, end.log.end_position, end.log.next_offset,
           "last frame's arrival differs from the manifest's",
           std::to_string(end.log.last_arrival_ms) + " vs " + std::to_string(active.last_arrival_ms));
  }
}

void Verifier::PrintSummary() const {
  out_ << "summary: shards=" << shards_ << " segments=" << segments_ << " frames=" << frames_ << " records=" << records_
       << " bytes=" << bytes_ << " problems=" << errors_ + warnings_ << " (errors=" << errors_
       << " warnings=" << warnings_ << ")\n";
}

}  // namespace

int VerifyLog(FileSystem* fs, const LogToolOptions& options, std::ostream& out, std::ostream& err) {
  Progress progress(&err, options.progress_every);
  Verifier verifier(fs, out, &progress);
  if (Status st = verifier.VerifyStore(options); !st.ok()) {
    err << "sluice log verify: " << JournalDir(options.data_dir) << ": " << st.ToString() << '\n';
    verifier.PrintSummary();
    return kExitProblems;
  }
  bool ok =
      ForEachShard(*fs, options, "verify", err, [&](const ShardFiles& shard) { return verifier.VerifyShard(shard); });
  if (ok) verifier.VerifyUnvisited(options);
  verifier.PrintSummary();
  return ok ? verifier.ExitCode() : kExitProblems;
}

}  // namespace sluice::tools
