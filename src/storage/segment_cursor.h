#pragma once
// Walks the frames of one segment between two known points (an index entry and the committed
// end), reading in large chunks into a caller-owned buffer and checking every frame.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <utility>

#include "base/file_system.h"
#include "base/status.h"
#include "storage/chunked_reader.h"
#include "storage/segment_format.h"

namespace sluice::storage::segment {

using storage::ReadBuffer;

class FrameCursor {
 public:
  // pos/offset: a frame start and its first offset; end_pos: where the data ends. Reads of at
  // least direct_min_bytes (0: none) bypass the page cache: bulk reads of uncached data cost
  // the page cache's allocation and copy otherwise (~1 s of CPU per GB in this VM), and a
  // reader catching up would evict the tail that other readers want.
  FrameCursor(const File* file, uint64_t pos, uint64_t offset, uint64_t end_pos, size_t chunk_bytes, ReadBuffer* buf,
              size_t direct_min_bytes = 0)
      : file_(file),
        pos_(pos),
        offset_(offset),
        end_pos_(end_pos),
        chunk_(chunk_bytes),
        direct_min_(direct_min_bytes),
        buf_(buf) {}

  // kOk with the frame's header and bytes (valid until the next call), kEnd at end_pos, or
  // the check that failed (the frame at frame_position() is damaged). Errors are I/O failures.
  // Header, CRC and offset are checked; that the records tile the payload is left to the caller,
  // which walks them anyway.
  Result<FrameCheck> Next(FrameHeader* h, const char** frame);
  // The buffer already holds the file's bytes [pos, pos + len) (a read-ahead swapped in).
  void Adopt(uint64_t pos, size_t len) {
    buf_pos_ = pos;
    buf_len_ = len;
  }

  uint64_t frame_position() const { return frame_pos_; }
  uint64_t position() const { return pos_; }   // the next frame's position
  uint64_t offset() const { return offset_; }  // the next frame's first offset

 private:
  Status Fill(size_t n);
  Status FillDirect(size_t n);

  const File* file_;
  uint64_t pos_;
  uint64_t offset_;
  uint64_t end_pos_;
  size_t chunk_;
  size_t direct_min_;
  ReadBuffer* buf_;
  uint64_t buf_pos_ = 0;
  size_t buf_len_ = 0;
  uint64_t frame_pos_ = 0;
};

}  // namespace sluice::storage::segment
