#pragma once
// The one reader of segment frames (format in segment_format.h). Recovery's scan of a segment
// (ScanSegment), the read path's cursor (FrameCursor, segment_cursor.h) and `sluice log
// verify|dump` all walk frames through FrameReader, and recovery and the log tool decide where
// a segment's log ends by the same code (WalkSegment's `log`).
//
// Where a segment's log ends (the one rule): reading from position 0, frames are taken in order
// while each is intact (header, CRC, records tiling the payload, first offset continuing from
// the segment's first offset or the previous frame); the first frame that is not ends the log.
// A zero length field (or fewer than 4 zero bytes before the end of the file) is a clean end;
// anything else (damage, a torn write, non-zero bytes too short to hold a frame) ends the log
// there too, and ScanResult::stop says why.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <utility>

#include "base/file_system.h"
#include "base/status.h"
#include "storage/chunked_reader.h"
#include "storage/segment_format.h"

namespace sluice::storage::segment {

struct ScannedFrame {
  FrameCheck check = FrameCheck::kEnd;
  uint64_t pos = 0;
  FrameHeader header;      // as decoded (meaningful unless check is kEnd)
  std::string_view bytes;  // the whole frame when check is kOk; valid until the reader's next call
};

// Frames of one file from a position, read in large chunks (ChunkedReader) up to a limit.
class FrameReader {
 public:
  // limit: the file's size, or the end of committed data (nothing at or past it is read).
  FrameReader(const File* file, uint64_t pos, uint64_t limit, size_t chunk_bytes = kDefaultChunkBytes,
              ReadBuffer* buf = nullptr, size_t direct_min_bytes = 0)
      : reader_(file, limit, chunk_bytes, buf, direct_min_bytes), pos_(pos) {}

  // Checks the frame at position() (CheckFrame: expected_offset and check_payload as there);
  // moves past it only when it is intact. A frame running past the limit is kTruncated.
  Result<ScannedFrame> Next(std::optional<uint64_t> expected_offset, bool check_payload = true);
  void Seek(uint64_t pos) { pos_ = pos; }
  // The buffer already holds the file's bytes [pos, pos + len) (a read-ahead swapped in).
  void Adopt(uint64_t pos, size_t len) { reader_.Adopt(pos, len); }
  // First and last non-zero byte positions in [position(), limit), if any; moves to the limit.
  Result<std::optional<std::pair<uint64_t, uint64_t>>> FindNonZero();
  // True when a damaged frame's header is sane and the whole frame lies before the limit, so
  // that a reader looking past the end of the log (the log tool) can step over it by its length.
  static bool CanStepOver(const ScannedFrame& f, uint64_t limit);

  uint64_t position() const { return pos_; }
  uint64_t limit() const { return reader_.limit(); }
  uint64_t bytes_read() const { return reader_.bytes_read(); }

 private:
  ChunkedReader reader_;
  uint64_t pos_;
};

// Where a segment's log ends by the rule above: what recovery keeps of a segment it scans.
struct ScanResult {
  uint64_t end_position = 0;  // just past the last valid frame
  uint64_t next_offset = 0;   // offset after the last valid frame's records
  int64_t first_arrival_ms = 0;
  int64_t last_arrival_ms = 0;
  uint64_t frames = 0;
  FrameCheck stop = FrameCheck::kEnd;  // why the log ended (kEnd: clean end of data)
  uint64_t file_size = 0;
};

// A walk over a segment's frames that may go on past the end of its log (the log tool looks at
// everything); `log` is where the log ends all the same.
struct WalkEnd {
  ScanResult log;                       // the rule's end (meaningful for walks from position 0)
  uint64_t data_end = 0;                // position after the last frame walked
  std::optional<uint64_t> next_offset;  // offset the next frame would start at, if known
  int64_t last_arrival_ms = 0;          // of the last intact frame walked
  bool stopped = false;                 // the callback asked to stop
  bool damaged_end = false;             // a frame whose length cannot be trusted ended the walk
  // With find_stale: first and last non-zero byte after the end marker.
  std::optional<std::pair<uint64_t, uint64_t>> stale;
};

struct WalkOptions {
  // Step over damaged frames whose length can be trusted instead of stopping at them. After a
  // damaged frame the next offset is unknown unless the frame's CRC held.
  bool step_over_damage = false;
  bool find_stale = false;    // look for non-zero bytes after the end marker
  bool check_payload = true;  // CheckFrame's
};

// Calls on_frame(frame, expected_offset) for every frame from the reader's position, intact or
// not (a callback returning false stops the walk), until the end marker or a frame it cannot
// step over. expected: the offset of the frame at the reader's position.
Result<WalkEnd> WalkSegment(FrameReader& reader, std::optional<uint64_t> expected, const WalkOptions& options,
                            const std::function<bool(const ScannedFrame&, std::optional<uint64_t>)>& on_frame);

// Reads the segment from position 0 and returns where its log ends, calling on_frame for each
// frame of the log. Errors only for I/O failures.
Result<ScanResult> ScanSegment(const File& file, uint64_t first_offset,
                               const std::function<void(uint64_t position, const FrameHeader&)>& on_frame);

}  // namespace sluice::storage::segment
