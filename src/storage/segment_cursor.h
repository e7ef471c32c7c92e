#pragma once
// Walks the frames of one segment between two known points (an index entry and the committed
// end), reading in large chunks into a caller-owned buffer and checking every frame.
#include <cstdint>
#include <vector>

#include "base/file_system.h"
#include "base/status.h"
#include "storage/segment_format.h"

namespace sluice::storage::segment {

class FrameCursor {
 public:
  // pos/offset: a frame start and its first offset; end_pos: where the data ends.
  FrameCursor(const File* file, uint64_t pos, uint64_t offset, uint64_t end_pos, size_t chunk_bytes,
              std::vector<char>* buf)
      : file_(file), pos_(pos), offset_(offset), end_pos_(end_pos), chunk_(chunk_bytes), buf_(buf) {}

  // kOk with the frame's header and bytes (valid until the next call), kEnd at end_pos, or
  // the check that failed (the frame at frame_position() is damaged). Errors are I/O failures.
  // Header, CRC and offset are checked; that the records tile the payload is left to the caller,
  // which walks them anyway.
  Result<FrameCheck> Next(FrameHeader* h, const char** frame);

  uint64_t frame_position() const { return frame_pos_; }
  uint64_t position() const { return pos_; }  // the next frame's position
  uint64_t offset() const { return offset_; }  // the next frame's first offset

 private:
  Status Fill(size_t n);

  const File* file_;
  uint64_t pos_;
  uint64_t offset_;
  uint64_t end_pos_;
  size_t chunk_;
  std::vector<char>* buf_;
  uint64_t buf_pos_ = 0;
  size_t buf_len_ = 0;
  uint64_t frame_pos_ = 0;
};

}  // namespace sluice::storage::segment
