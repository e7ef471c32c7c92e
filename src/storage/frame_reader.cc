#include "storage/frame_reader.h"

#include <cstring>

namespace sluice::storage::segment {

Result<ScannedFrame> FrameReader::Next(std::optional<uint64_t> expected_offset, bool check_payload) {
  ScannedFrame f;
  f.pos = pos_;
  SLUICE_ASSIGN_OR_RETURN(std::string_view bytes, reader_.Read(pos_, kFrameHeaderBytes));
  if (bytes.size() >= 4) {
    uint32_t length;
    std::memcpy(&length, bytes.data(), 4);
    // A length past the limit or the largest frame is judged on the header alone.
    if (length > bytes.size() && length <= kMaxFrameBytes && length <= reader_.limit() - pos_) {
      SLUICE_ASSIGN_OR_RETURN(bytes, reader_.Read(pos_, length));
    }
  }
  f.check = CheckFrame(bytes.data(), bytes.size(), expected_offset, &f.header, check_payload);
  if (f.check == FrameCheck::kOk) {
    f.bytes = bytes.substr(0, f.header.length);
    pos_ += f.header.length;
  }
  return f;
}

bool FrameReader::CanStepOver(const ScannedFrame& f, uint64_t limit) {
  bool sane_header =
      f.check == FrameCheck::kBadCrc || f.check == FrameCheck::kBadOffset || f.check == FrameCheck::kBadPayload;
  return sane_header && f.pos + f.header.length <= limit;
}

Result<std::optional<std::pair<uint64_t, uint64_t>>> FrameReader::FindNonZero() {
  std::optional<std::pair<uint64_t, uint64_t>> found;
  while (pos_ < reader_.limit()) {
    SLUICE_ASSIGN_OR_RETURN(const std::string_view bytes, reader_.Read(pos_, kDefaultChunkBytes));
    if (bytes.empty()) break;  // the file ends before the limit
    const char* p = bytes.data();
    const size_t n = bytes.size();
    // Zeroed space is the common case: one memcmp-speed pass, bytes only when needed.
    if (p[0] != 0 || std::memcmp(p, p + 1, n - 1) != 0) {
      for (size_t i = 0; i < n; ++i) {
        if (p[i] == 0) continue;
        if (!found) found.emplace(pos_ + i, pos_ + i);
        found->second = pos_ + i;
      }
    }
    pos_ += n;
  }
  return found;
}

Result<WalkEnd> WalkSegment(FrameReader& reader, std::optional<uint64_t> expected, const WalkOptions& options,
                            const std::function<bool(const ScannedFrame&, std::optional<uint64_t>)>& on_frame) {
  WalkEnd end;
  ScanResult& log = end.log;
  log.file_size = reader.limit();
  log.end_position = reader.position();
  log.next_offset = expected.value_or(0);
  bool in_log = true;  // every frame so far was intact: the log has not ended yet
  for (;;) {
    end.data_end = reader.position();
    end.next_offset = expected;
    SLUICE_ASSIGN_OR_RETURN(const ScannedFrame f, reader.Next(expected, options.check_payload));
    const FrameHeader& h = f.header;
    if (in_log && f.check == FrameCheck::kOk) {
      if (log.frames == 0) log.first_arrival_ms = h.arrival_ms;
      log.last_arrival_ms = h.arrival_ms;
      ++log.frames;
      log.next_offset = h.first_offset + h.record_count;
      log.end_position = reader.position();
    } else if (in_log) {
      log.stop = f.check;
      in_log = false;
    }
    // Fewer than 4 bytes before the limit cannot hold a frame: they are the end marker's place
    // (CheckFrame calls them truncated unless zero; FindNonZero reports them either way).
    if (f.check == FrameCheck::kEnd || (f.check == FrameCheck::kTruncated && reader.limit() - f.pos < 4)) {
      if (options.find_stale) { SLUICE_ASSIGN_OR_RETURN(end.stale, reader.FindNonZero()); }
      return end;
    }
    if (!on_frame(f, expected)) {
      end.stopped = true;
      if (f.check == FrameCheck::kOk) end.data_end = reader.position();
      return end;
    }
    if (f.check == FrameCheck::kOk) {
      expected = h.first_offset + h.record_count;
      end.last_arrival_ms = h.arrival_ms;
      continue;
    }
    if (!options.step_over_damage || !FrameReader::CanStepOver(f, reader.limit())) {
      end.damaged_end = true;
      return end;
    }
    expected =
        f.check == FrameCheck::kBadOffset ? std::optional<uint64_t>(h.first_offset + h.record_count) : std::nullopt;
    reader.Seek(f.pos + h.length);
  }
}

Result<ScanResult> ScanSegment(const File& file, uint64_t first_offset,
                               const std::function<void(uint64_t position, const FrameHeader&)>& on_frame) {
  SLUICE_ASSIGN_OR_RETURN(const uint64_t size, file.Size());
  FrameReader reader(&file, 0, size);
  SLUICE_ASSIGN_OR_RETURN(const WalkEnd end,
                          WalkSegment(reader, first_offset, {}, [&](const ScannedFrame& f, std::optional<uint64_t>) {
                            if (f.check != FrameCheck::kOk) return false;
                            if (on_frame) on_frame(f.pos, f.header);
                            return true;
                          }));
  return end.log;
}

}  // namespace sluice::storage::segment
