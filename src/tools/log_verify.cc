// `sluice log verify`: every frame's CRC and shape, offset continuity within and across
// segments, each index against its segment, and what lies after the end marker; and, per shard,
// what recovery keeps, decided by storage's own rules (segment_files.h, frame_reader.h).
#include <memory>

#include "storage/chunked_reader.h"
#include "storage/frame_reader.h"
#include "storage/segment_files.h"
#include "tools/log_layout.h"
#include "tools/log_tool.h"
#include "tools/progress.h"

namespace sluice::tools {
namespace seg = storage::segment;
namespace {

enum class Severity { kError, kWarning };

class Verifier {
 public:
  Verifier(FileSystem* fs, std::ostream& out, Progress* progress) : fs_(fs), out_(out), progress_(progress) {}

  Status VerifyShard(const ShardFiles& shard);
  void PrintSummary() const;
  int ExitCode() const { return errors_ > 0 ? kExitProblems : kExitClean; }

 private:
  struct SegmentOutcome {
    std::optional<uint64_t> frames_end;  // offset after the frames walked, or nullopt when damage hides it
    uint64_t kept_end = 0;               // offset after what recovery keeps of the segment
    seg::ScanResult log;                 // where the segment's log ends by the rule
    bool index_trusted = false;          // recovery takes the index instead of scanning
  };
  Result<SegmentOutcome> VerifySegment(const SegmentFiles& segment, bool last);
  Result<std::optional<seg::SegmentIndex>> LoadIndex(const SegmentFiles& segment, std::string* bytes);
  void ReportKept(const ShardFiles& shard, uint64_t start, uint64_t end, const std::string& where);
  void Report(Severity severity, const std::string& path, uint64_t pos, std::optional<uint64_t> offset,
              std::string_view what, const std::string& detail = "");

  FileSystem* fs_;
  std::ostream& out_;
  Progress* progress_;
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
Status Verifier::VerifyShard(const ShardFiles& shard) {
  ++shards_;
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
    if (!last && segment.idx_path.empty()) {
      Report(Severity::kWarning, segment.log_path, 0, segment.first_offset, "sealed segment has no index");
    }
    SLUICE_ASSIGN_OR_RETURN(const SegmentOutcome outcome, VerifySegment(segment, last));
    prev_end = outcome.frames_end;
    if (!kept_open) continue;
    if (kept_end && *kept_end != segment.first_offset) {
      kept_open = false;
      where = segment.log_path + " and later segments discarded: they do not continue the log";
      continue;
    }
    if (!kept_start) kept_start = segment.first_offset;
    kept_end = outcome.kept_end;
    if (!outcome.index_trusted && outcome.log.stop != seg::FrameCheck::kEnd) {
      where = segment.log_path + " pos " + std::to_string(outcome.log.end_position) + ": " +
              std::string(seg::FrameCheckName(outcome.log.stop));
    } else {
      where.clear();
    }
  }
  ReportKept(shard, kept_start.value_or(0), kept_end.value_or(0), where);
  return Status::Ok();
}

void Verifier::ReportKept(const ShardFiles& shard, uint64_t start, uint64_t end, const std::string& where) {
  out_ << "shard " << seg::StreamDirName(shard.stream_uid) << '/' << seg::ShardDirName(shard.shard_index)
       << ": recovery keeps offsets [" << start << ", " << end << ')';
  if (!where.empty()) out_ << "; the log ends at " << where;
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

Result<Verifier::SegmentOutcome> Verifier::VerifySegment(const SegmentFiles& segment, bool last) {
  std::string index_bytes;
  SLUICE_ASSIGN_OR_RETURN(const std::optional<seg::SegmentIndex> index, LoadIndex(segment, &index_bytes));
  SLUICE_ASSIGN_OR_RETURN(const std::unique_ptr<File> file, fs_->Open(segment.log_path, FileOptions{}));
  SLUICE_ASSIGN_OR_RETURN(const uint64_t size, file->Size());
  ++segments_;

  const std::vector<seg::IndexEntry> no_entries;
  const std::vector<seg::IndexEntry>& entries = index ? index->entries : no_entries;
  size_t next_entry = 0;
  auto entry_pos = [](size_t i) { return seg::kIndexHeaderBytes + i * seg::kIndexEntryBytes; };
  bool damaged = false;
  seg::FrameReader reader(file.get(), 0, size);
  ProgressFeed feed(progress_);
  auto on_frame = [&](const seg::ScannedFrame& f, std::optional<uint64_t> expected) {
    feed.Update(reader.bytes_read());
    for (; next_entry < entries.size() && entries[next_entry].position < f.pos; ++next_entry) {
      Report(Severity::kError, segment.idx_path, entry_pos(next_entry), entries[next_entry].offset, "bad index",
             "entry points at position " + std::to_string(entries[next_entry].position) + ", not at a frame start");
    }
    const seg::FrameHeader& h = f.header;
    if (next_entry < entries.size() && entries[next_entry].position == f.pos) {
      const seg::IndexEntry& e = entries[next_entry];
      if (f.check == seg::FrameCheck::kOk && (e.offset != h.first_offset || e.arrival_ms != h.arrival_ms)) {
        Report(Severity::kError, segment.idx_path, entry_pos(next_entry), e.offset, "bad index",
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
    } else if (!seg::FrameReader::CanStepOver(f, size)) {
      detail = std::to_string(size - f.pos) + " bytes from here on not checked";
    }
    Report(Severity::kError, segment.log_path, f.pos, expected ? expected : std::optional(h.first_offset),
           seg::FrameCheckName(f.check), detail);
    return true;
  };
  const seg::WalkOptions walk{.step_over_damage = true, .find_stale = true};
  SLUICE_ASSIGN_OR_RETURN(const seg::WalkEnd end, seg::WalkSegment(reader, segment.first_offset, walk, on_frame));
  feed.Update(reader.bytes_read());

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
  outcome.kept_end = end.log.next_offset;
  // Recovery scans the newest segment whatever its index says (it is appended to again).
  if (!last && !segment.idx_path.empty()) {
    if (std::optional<seg::SegmentIndex> trusted = seg::TrustedIndex(index_bytes, segment.first_offset, size)) {
      outcome.index_trusted = true;
      outcome.kept_end = trusted->end_offset;
    }
  }
  return outcome;
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
  bool ok =
      ForEachShard(*fs, options, "verify", err, [&](const ShardFiles& shard) { return verifier.VerifyShard(shard); });
  verifier.PrintSummary();
  return ok ? verifier.ExitCode() : kExitProblems;
}

}  // namespace sluice::tools
