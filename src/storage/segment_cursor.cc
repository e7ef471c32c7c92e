#include "storage/segment_cursor.h"

#include <algorithm>
#include <cstring>

namespace sluice::storage::segment {

Status FrameCursor::Fill(size_t n) {
  n = static_cast<size_t>(std::min<uint64_t>(n, end_pos_ - pos_));
  if (direct_min_ > 0 && n >= direct_min_) return FillDirect(n);
  // Bytes of the frame at pos_ already read are moved to the front, not read again: a frame
  // larger than the first read would otherwise cost its first chunk twice.
  size_t keep = 0;
  if (pos_ >= buf_pos_ && pos_ < buf_pos_ + buf_len_) {
    keep = static_cast<size_t>(std::min<uint64_t>(buf_pos_ + buf_len_ - pos_, n));
    if (pos_ != buf_pos_) std::memmove(buf_->data(), buf_->data() + (pos_ - buf_pos_), keep);
  }
  buf_->Reserve(n, keep);
  buf_pos_ = pos_;
  buf_len_ = keep;
  if (keep == n) return Status::Ok();
  auto got = file_->ReadAt(pos_ + keep, buf_->data() + keep, n - keep);
  if (!got.ok()) return got.status();
  buf_len_ = keep + *got;
  return Status::Ok();
}

// Reads whole aligned blocks around [pos_, pos_ + n): the part of a frame already in the buffer
// is read again rather than moved, which keeps the destination aligned.
Status FrameCursor::FillDirect(size_t n) {
  uint64_t start = AlignDown(pos_);
  uint64_t end = AlignUp(pos_ + n);
  size_t len = static_cast<size_t>(end - start);
  buf_->Reserve(len, 0);
  buf_pos_ = start;
  buf_len_ = 0;
  auto got = file_->ReadAtDirect(start, buf_->data(), len);
  if (!got.ok()) return got.status();
  buf_len_ = *got;
  return Status::Ok();
}

Result<FrameCheck> FrameCursor::Next(FrameHeader* h, const char** frame) {
  if (pos_ >= end_pos_) return FrameCheck::kEnd;
  FrameCheck c = FrameCheck::kTruncated;
  for (int attempt = 0; attempt < 3; ++attempt) {
    bool in_buf = pos_ >= buf_pos_ && pos_ < buf_pos_ + buf_len_;
    size_t avail = in_buf ? buf_len_ - (pos_ - buf_pos_) : 0;
    // Frames never cross end_pos: bytes beyond it are not committed.
    avail = static_cast<size_t>(std::min<uint64_t>(avail, end_pos_ - pos_));
    const char* p = in_buf ? buf_->data() + (pos_ - buf_pos_) : nullptr;
    c = avail > 0 ? CheckFrame(p, avail, offset_, h, /*check_payload=*/false) : FrameCheck::kTruncated;
    if (c == FrameCheck::kOk) {
      *frame = p;
      frame_pos_ = pos_;
      pos_ += h->length;
      offset_ = h->first_offset + h->record_count;
      return c;
    }
    if (c != FrameCheck::kTruncated && c != FrameCheck::kEnd) break;
    if (avail >= end_pos_ - pos_) break;  // everything up to end_pos was already there
    size_t want = chunk_;
    if (avail >= kFrameHeaderBytes) want = std::max<size_t>(want, h->length);
    SLUICE_RETURN_IF_ERROR(Fill(want));
  }
  frame_pos_ = pos_;
  return c == FrameCheck::kEnd ? FrameCheck::kTruncated : c;
}

}  // namespace sluice::storage::segment
