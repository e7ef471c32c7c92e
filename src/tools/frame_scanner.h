#pragma once
// Sequential reader of one segment file for the offline log tool. It reads in large chunks so
// that verifying gigabytes runs at disk speed, and hands out frames as views into its buffer
// (valid until the next call).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string_view>
#include <utility>
#include <vector>

#include "base/file_system.h"
#include "base/status.h"
#include "storage/segment_format.h"

namespace sluice::tools {

inline constexpr size_t kScanChunkBytes = size_t{4} << 20;

// Reports bytes read on `err` each time another `every` bytes have gone by; 0 disables it.
class Progress {
 public:
  Progress(std::ostream* err, uint64_t every) : err_(err), every_(every), next_(every) {}
  void Add(uint64_t bytes);

 private:
  std::ostream* err_;
  uint64_t every_;
  uint64_t next_;
  uint64_t total_ = 0;
};

struct ScannedFrame {
  storage::segment::FrameCheck check = storage::segment::FrameCheck::kEnd;
  uint64_t pos = 0;
  storage::segment::FrameHeader header;  // meaningful unless check is kEnd
  std::string_view bytes;                // the whole frame when check is kOk
};

class FrameScanner {
 public:
  FrameScanner(const File* file, uint64_t file_size, Progress* progress, size_t chunk_bytes = kScanChunkBytes);

  uint64_t pos() const { return pos_; }
  uint64_t file_size() const { return size_; }
  void Seek(uint64_t pos) { pos_ = pos; }

  // Checks the frame at pos(); moves past it only when it is intact (kOk).
  Result<ScannedFrame> Next(std::optional<uint64_t> expected_offset);
  // True when the header at pos() is sane and the whole frame lies in the file, so that a
  // frame with a bad CRC or payload can be stepped over by its length.
  static bool CanStepOver(const ScannedFrame& f, uint64_t file_size);

  // First and last non-zero byte positions in [pos(), file_size), if any; consumes the rest.
  Result<std::optional<std::pair<uint64_t, uint64_t>>> FindNonZero();

 private:
  // Makes min(want, size_ - pos_) bytes from pos_ available; returns how many are.
  Result<size_t> Fill(size_t want);
  const char* At() const { return buf_.data() + (pos_ - buf_start_); }

  const File* file_;
  uint64_t size_;
  Progress* progress_;
  size_t chunk_;
  std::vector<char> buf_;
  uint64_t buf_start_ = 0;  // file position of buf_[0]
  size_t buf_len_ = 0;
  uint64_t pos_ = 0;
};

// How a walk over a segment's frames ended.
struct SegmentEnd {
  uint64_t data_end = 0;                // position after the last frame walked
  std::optional<uint64_t> next_offset;  // offset the next frame would start at, if known
  int64_t last_arrival_ms = 0;          // of the last intact frame
  bool stopped = false;                 // the callback asked to stop
  bool damaged_end = false;             // a frame whose length cannot be trusted ended the walk
  // First and last non-zero byte after the end marker (pre-zeroed space should be all zero).
  std::optional<std::pair<uint64_t, uint64_t>> stale;
};

// Calls on_frame(frame, expected_offset) for every frame from the scanner's position, intact or
// not, until the end marker; steps over a damaged frame when its length is trustworthy. After
// a damaged frame the next offset is unknown unless the frame's CRC held.
template <typename OnFrame>
Result<SegmentEnd> WalkSegment(FrameScanner& scanner, std::optional<uint64_t> expected, OnFrame on_frame);

}  // namespace sluice::tools

#include "tools/frame_scanner_inl.h"
