#pragma once
// The read path's walk over the frames of one segment between two known points (an index entry
// and the committed end): a FrameReader (frame_reader.h) limited to the committed bytes, reading
// into a caller-owned buffer that a read-ahead can fill.
#include <cstddef>
#include <cstdint>

#include "base/file_system.h"
#include "base/status.h"
#include "storage/chunked_reader.h"
#include "storage/frame_reader.h"
#include "storage/segment_format.h"

namespace sluice::storage::segment {

using storage::ReadBuffer;

class FrameCursor {
 public:
  // pos/offset: a frame start and its first offset; end_pos: where the committed data ends.
  // Reads of at least direct_min_bytes (0: none) bypass the page cache (ChunkedReader).
  FrameCursor(const File* file, uint64_t pos, uint64_t offset, uint64_t end_pos, size_t chunk_bytes, ReadBuffer* buf,
              size_t direct_min_bytes = 0)
      : reader_(file, pos, end_pos, chunk_bytes, buf, direct_min_bytes), offset_(offset) {}

  // kOk with the frame's header and bytes (valid until the next call), kEnd at end_pos, or
  // the check that failed (the frame at frame_position() is damaged). Errors are I/O failures.
  // Header, CRC and offset are checked; that the records tile the payload is left to the caller,
  // which walks them anyway.
  Result<FrameCheck> Next(FrameHeader* h, const char** frame) {
    *frame = nullptr;
    frame_pos_ = reader_.position();
    if (frame_pos_ >= reader_.limit()) return FrameCheck::kEnd;
    SLUICE_ASSIGN_OR_RETURN(const ScannedFrame f, reader_.Next(offset_, /*check_payload=*/false));
    *h = f.header;
    if (f.check == FrameCheck::kOk) {
      *frame = f.bytes.data();
      offset_ = f.header.first_offset + f.header.record_count;
      return f.check;
    }
    // Everything before end_pos is committed data: no frame there is damage, not an end.
    return f.check == FrameCheck::kEnd ? FrameCheck::kTruncated : f.check;
  }
  // The buffer already holds the file's bytes [pos, pos + len) (a read-ahead swapped in).
  void Adopt(uint64_t pos, size_t len) { reader_.Adopt(pos, len); }

  uint64_t frame_position() const { return frame_pos_; }
  uint64_t position() const { return reader_.position(); }  // the next frame's position
  uint64_t offset() const { return offset_; }               // the next frame's first offset

 private:
  FrameReader reader_;
  uint64_t offset_;
  uint64_t frame_pos_ = 0;
};

}  // namespace sluice::storage::segment
