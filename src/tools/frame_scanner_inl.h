#pragma once
// Template body of WalkSegment (included by frame_scanner.h).
namespace sluice::tools {

template <typename OnFrame>
Result<SegmentEnd> WalkSegment(FrameScanner& scanner, std::optional<uint64_t> expected, OnFrame on_frame) {
  using storage::segment::FrameCheck;
  SegmentEnd end;
  for (;;) {
    end.data_end = scanner.pos();
    end.next_offset = expected;
    SLUICE_ASSIGN_OR_RETURN(const ScannedFrame f, scanner.Next(expected));
    // CheckFrame calls fewer than 4 bytes "truncated" even when they are zero; at the end of a
    // pre-zeroed file they are just unused space, and FindNonZero judges them either way.
    bool end_marker =
        f.check == FrameCheck::kEnd || (f.check == FrameCheck::kTruncated && scanner.file_size() - f.pos < 4);
    if (end_marker) {
      SLUICE_ASSIGN_OR_RETURN(end.stale, scanner.FindNonZero());
      return end;
    }
    if (!on_frame(f, expected)) {
      end.stopped = true;
      if (f.check == FrameCheck::kOk) end.data_end = scanner.pos();
      return end;
    }
    const storage::segment::FrameHeader& h = f.header;
    if (f.check == FrameCheck::kOk) {
      expected = h.first_offset + h.record_count;
      end.last_arrival_ms = h.arrival_ms;
      continue;
    }
    if (!FrameScanner::CanStepOver(f, scanner.file_size())) {
      end.damaged_end = true;
      return end;
    }
    expected =
        f.check == FrameCheck::kBadOffset ? std::optional<uint64_t>(h.first_offset + h.record_count) : std::nullopt;
    scanner.Seek(f.pos + h.length);
  }
}

}  // namespace sluice::tools
