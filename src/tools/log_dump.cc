// `sluice log dump`: segments, frames and (optionally) records, as stored.
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>

#include "base/time_format.h"
#include "storage/chunked_reader.h"
#include "storage/frame_reader.h"
#include "storage/record_batch.h"
#include "tools/log_layout.h"
#include "tools/log_tool.h"
#include "tools/progress.h"
#include "tools/store_state.h"

namespace sluice::tools {
namespace seg = storage::segment;
namespace {

constexpr size_t kPreviewBytes = 32;

// A damaged or foreign timestamp may lie outside the calendar range: shown as "?".
std::string ArrivalTime(int64_t ms) {
  if (ms < kMinFormattableMillis || ms > kMaxFormattableMillis) return "?";
  return FormatIso8601Millis(ms);
}

void Quoted(std::ostream& out, std::string_view s) {
  out << '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out << '\\' << c;
    } else if (c >= 0x20 && c < 0x7f) {
      out << c;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out << buf;
    }
  }
  out << '"';
}

// Text when the first bytes are printable ASCII, hex otherwise.
void Preview(std::ostream& out, std::string_view data) {
  std::string_view head = data.substr(0, kPreviewBytes);
  bool text = std::all_of(head.begin(), head.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
  if (text) {
    out << "text=";
    Quoted(out, head);
  } else {
    out << "hex=";
    for (unsigned char c : head) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%02x", c);
      out << buf;
    }
  }
  if (data.size() > head.size()) out << "...";
}

class Dumper {
 public:
  Dumper(FileSystem* fs, const LogToolOptions& options, std::ostream& out, Progress* progress)
      : fs_(fs), opt_(options), out_(out), progress_(progress) {}

  Status DumpShard(const ShardFiles& shard);
  // The manifest and the journal (journal layout only).
  Status DumpStore();

 private:
  // False once the limit is reached.
  Result<bool> DumpSegment(const SegmentFiles& segment);
  bool DumpFrame(const seg::ScannedFrame& f, std::optional<uint64_t> expected);
  // False once the limit is reached.
  bool DumpRecords(std::string_view frame, uint64_t first_offset);
  bool Selected(uint64_t stream_uid, uint32_t shard_index) const {
    return (!opt_.stream_uid || stream_uid == *opt_.stream_uid) &&
           (!opt_.shard_index || shard_index == *opt_.shard_index);
  }
  void DumpManifest(const std::string& path, const manifest::Manifest& m);
  bool DumpEntry(const journal::Entry& e);
  bool Counted() { return !opt_.limit || ++shown_ < *opt_.limit; }

  FileSystem* fs_;
  const LogToolOptions& opt_;
  std::ostream& out_;
  Progress* progress_;
  uint64_t shown_ = 0;                                    // frames, or records with --records, in this shard
  std::map<manifest::ShardKey, uint64_t> journal_shown_;  // likewise in the journal, per shard
};

Status Dumper::DumpStore() {
  bool journal_started = false;
  ProgressFeed feed(progress_);
  SLUICE_ASSIGN_OR_RETURN(const StoreState state, ReadStoreState(
                                                      *fs_, opt_.data_dir,
                                                      [&](const journal::Entry& e) {
                                                        if (!journal_started) {
                                                          journal_started = true;
                                                          out_ << "journal " << JournalDir(opt_.data_dir) << '\n';
                                                        }
                                                        DumpEntry(e);
                                                        return Status::Ok();
                                                      },
                                                      [&](uint64_t bytes) { feed.Update(bytes); }));
  if (!state.journal_dir_exists) return Status::Ok();
  if (state.manifest) {
    DumpManifest(state.journal_dir + "/" + manifest::FileName(state.manifest->file_number), state.manifest->manifest);
    out_ << "  records=" << state.manifest->records << " valid_bytes=" << state.manifest->valid_bytes
         << (state.manifest->torn_tail ? " torn_tail" : "") << '\n';
  } else {
    out_ << "manifest none\n";
  }
  if (!state.journal_start) {
    out_ << "journal none\n";
    return Status::Ok();
  }
  if (!journal_started) out_ << "journal " << state.journal_dir << '\n';
  const journal::End& end = state.journal_end;
  out_ << "  journal from " << FormatPosition(*state.journal_start) << " ends at " << FormatPosition(end.end) << " ("
       << (end.missing_file ? "next file absent" : journal::EntryCheckName(end.check));
  if (end.check == journal::EntryCheck::kBadFrame) out_ << ": " << seg::FrameCheckName(end.frame_check);
  out_ << ") files=" << end.files << " entries=" << end.entries << " bytes=" << end.bytes << '\n';
  return Status::Ok();
}

void Dumper::DumpManifest(const std::string& path, const manifest::Manifest& m) {
  out_ << "manifest " << path << " replay_from=" << FormatPosition(m.replay_from) << " shards=" << m.shards.size()
       << '\n';
  for (const auto& [key, s] : m.shards) {
    if (!Selected(key.first, key.second)) continue;
    out_ << "  shard " << seg::StreamDirName(key.first) << '/' << seg::ShardDirName(key.second)
         << " segment=" << s.segment_first_offset << " data_bytes=" << s.data_bytes << " end_offset=" << s.end_offset
         << " arrival=" << s.first_arrival_ms << ".." << s.last_arrival_ms << " index=" << s.index.size() << '\n';
  }
}

bool Dumper::DumpEntry(const journal::Entry& e) {
  const seg::FrameHeader& h = e.frame;
  const manifest::ShardKey key{e.header.stream_uid, e.header.shard_index};
  if (!Selected(key.first, key.second) || h.first_offset + h.record_count <= opt_.from_offset) return true;
  uint64_t& shown = journal_shown_[key];
  if (opt_.limit && shown >= *opt_.limit) return true;
  out_ << "  entry file=" << e.at.file_number << " pos=" << e.at.position << " stream=" << seg::StreamDirName(key.first)
       << " shard=" << seg::ShardDirName(key.second) << " first_offset=" << h.first_offset
       << " count=" << h.record_count << " arrival=" << h.arrival_ms << " (" << ArrivalTime(h.arrival_ms)
       << ") len=" << h.length << '\n';
  if (!opt_.records) {
    ++shown;
    return true;
  }
  // The per-shard limit counts records here, like Counted() does for segments.
  shown_ = shown;
  bool more = DumpRecords(e.frame_bytes, h.first_offset);
  shown = more ? shown_ : *opt_.limit;
  shown_ = 0;
  return true;
}

Status Dumper::DumpShard(const ShardFiles& shard) {
  out_ << "shard " << seg::StreamDirName(shard.stream_uid) << '/' << seg::ShardDirName(shard.shard_index) << ' '
       << shard.path << " segments=" << shard.segments.size() << '\n';
  shown_ = 0;
  if (opt_.limit && *opt_.limit == 0) return Status::Ok();
  for (size_t i = 0; i < shard.segments.size(); ++i) {
    // A segment ends where the next begins: skip whole segments below --from-offset unread.
    if (i + 1 < shard.segments.size() && shard.segments[i + 1].first_offset <= opt_.from_offset) continue;
    SLUICE_ASSIGN_OR_RETURN(const bool more, DumpSegment(shard.segments[i]));
    if (!more) break;
  }
  return Status::Ok();
}

Result<bool> Dumper::DumpSegment(const SegmentFiles& segment) {
  SLUICE_ASSIGN_OR_RETURN(const std::unique_ptr<File> file, fs_->Open(segment.log_path, FileOptions{}));
  SLUICE_ASSIGN_OR_RETURN(const uint64_t size, file->Size());
  out_ << "segment " << segment.log_path << " first_offset=" << segment.first_offset << " size=" << size;
  seg::FrameReader reader(file.get(), 0, size);
  ProgressFeed feed(progress_);
  std::optional<uint64_t> expected = segment.first_offset;
  if (segment.idx_path.empty()) {
    out_ << " index=none\n";
  } else {
    Result<std::string> bytes = storage::ReadWholeFile(*fs_, segment.idx_path);
    std::optional<seg::SegmentIndex> index = bytes.ok() ? seg::DecodeIndex(*bytes) : std::nullopt;
    if (!index) {
      out_ << " index=corrupt\n";
    } else {
      out_ << " index=ok entries=" << index->entries.size() << " end_offset=" << index->end_offset
           << " data_bytes=" << index->data_bytes << '\n';
      // Start at the last indexed frame at or below --from-offset instead of reading up to it.
      auto it = std::upper_bound(index->entries.begin(), index->entries.end(), opt_.from_offset,
                                 [](uint64_t o, const seg::IndexEntry& e) { return o < e.offset; });
      if (it != index->entries.begin() && std::prev(it)->position < size) {
        reader.Seek(std::prev(it)->position);
        expected = std::prev(it)->offset;
      }
    }
  }
  const seg::WalkOptions walk{.step_over_damage = true, .find_stale = true};
  SLUICE_ASSIGN_OR_RETURN(
      const seg::WalkEnd end,
      seg::WalkSegment(reader, expected, walk, [&](const seg::ScannedFrame& f, std::optional<uint64_t> e) {
        feed.Update(reader.bytes_read());
        return DumpFrame(f, e);
      }));
  feed.Update(reader.bytes_read());
  if (end.stopped) return false;
  if (end.damaged_end) {
    out_ << "  damaged frame: rest of segment unreadable\n";
  } else {
    out_ << "  end of data pos=" << end.data_end << " next_offset=";
    if (end.next_offset) {
      out_ << *end.next_offset;
    } else {
      out_ << '?';
    }
    if (end.stale) { out_ << " stale non-zero bytes at pos " << end.stale->first << ".." << end.stale->second; }
    out_ << '\n';
  }
  return true;
}

bool Dumper::DumpFrame(const seg::ScannedFrame& f, std::optional<uint64_t> expected) {
  const seg::FrameHeader& h = f.header;
  bool ok = f.check == seg::FrameCheck::kOk;
  if (ok && h.first_offset + h.record_count <= opt_.from_offset) return true;
  out_ << "  frame pos=" << f.pos << " len=" << h.length << " first_offset=" << h.first_offset
       << " count=" << h.record_count << " arrival=" << h.arrival_ms << " (" << ArrivalTime(h.arrival_ms)
       << ") crc=" << (ok ? "ok" : seg::FrameCheckName(f.check));
  if (f.check == seg::FrameCheck::kBadOffset && expected) out_ << " expected_offset=" << *expected;
  out_ << '\n';
  if (!opt_.records) return Counted();
  if (!ok) return true;
  return DumpRecords(f.bytes, h.first_offset);
}

bool Dumper::DumpRecords(std::string_view frame, uint64_t first_offset) {
  storage::RecordBatchReader reader(frame.substr(seg::kFrameHeaderBytes));
  std::string_view key, data;
  for (uint64_t offset = first_offset; reader.Next(&key, &data); ++offset) {
    if (offset < opt_.from_offset) continue;
    out_ << "    record offset=" << offset << " key=";
    Quoted(out_, key);
    out_ << " size=" << data.size() << ' ';
    Preview(out_, data);
    out_ << '\n';
    if (!Counted()) return false;
  }
  return true;
}

}  // namespace

int DumpLog(FileSystem* fs, const LogToolOptions& options, std::ostream& out, std::ostream& err) {
  Progress progress(&err, options.progress_every);
  Dumper dumper(fs, options, out, &progress);
  if (Status st = dumper.DumpStore(); !st.ok()) {
    err << "sluice log dump: " << JournalDir(options.data_dir) << ": " << st.ToString() << '\n';
    return kExitProblems;
  }
  bool ok = ForEachShard(*fs, options, "dump", err, [&](const ShardFiles& shard) { return dumper.DumpShard(shard); });
  return ok ? kExitClean : kExitProblems;
}

}  // namespace sluice::tools
