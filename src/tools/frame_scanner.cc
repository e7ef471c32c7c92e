#include "tools/frame_scanner.h"

#include <algorithm>
#include <cstring>

namespace sluice::tools {

using storage::segment::CheckFrame;
using storage::segment::FrameCheck;
using storage::segment::kFrameHeaderBytes;

void Progress::Add(uint64_t bytes) {
  total_ += bytes;
  if (every_ == 0 || total_ < next_) return;
  while (next_ <= total_) next_ += every_;
  *err_ << "sluice log: " << (total_ >> 20) << " MiB read\n" << std::flush;
}

FrameScanner::FrameScanner(const File* file, uint64_t file_size, Progress* progress, size_t chunk_bytes)
    : file_(file), size_(file_size), progress_(progress), chunk_(std::max<size_t>(chunk_bytes, kFrameHeaderBytes)) {}

Result<size_t> FrameScanner::Fill(size_t want) {
  want = static_cast<size_t>(std::min<uint64_t>(want, size_ - std::min(pos_, size_)));
  if (pos_ < buf_start_ || pos_ > buf_start_ + buf_len_) {
    buf_start_ = pos_;
    buf_len_ = 0;
  }
  size_t have = buf_len_ - (pos_ - buf_start_);
  if (have >= want) return have;
  // Keep the unread bytes, then read as much as the buffer holds: one large read per chunk.
  if (have > 0) std::memmove(buf_.data(), At(), have);
  buf_start_ = pos_;
  buf_len_ = have;
  if (buf_.size() < std::max(want, chunk_)) buf_.resize(std::max(want, chunk_));
  while (buf_len_ < buf_.size() && buf_start_ + buf_len_ < size_) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(buf_.size() - buf_len_, size_ - buf_start_ - buf_len_));
    SLUICE_ASSIGN_OR_RETURN(const size_t got, file_->ReadAt(buf_start_ + buf_len_, buf_.data() + buf_len_, n));
    if (got == 0) {
      size_ = buf_start_ + buf_len_;  // the file shrank under us; treat what we have as its end
      break;
    }
    buf_len_ += got;
    if (progress_) progress_->Add(got);
  }
  return buf_len_;
}

Result<ScannedFrame> FrameScanner::Next(std::optional<uint64_t> expected_offset) {
  ScannedFrame f;
  f.pos = pos_;
  SLUICE_ASSIGN_OR_RETURN(size_t have, Fill(kFrameHeaderBytes));
  if (have >= 4) {
    uint32_t length;
    std::memcpy(&length, At(), 4);
    if (length > have && length <= size_ - pos_) { SLUICE_ASSIGN_OR_RETURN(have, Fill(length)); }
  }
  f.check = CheckFrame(At(), have, expected_offset, &f.header);
  if (f.check == FrameCheck::kOk) {
    f.bytes = {At(), f.header.length};
    pos_ += f.header.length;
  }
  return f;
}

bool FrameScanner::CanStepOver(const ScannedFrame& f, uint64_t file_size) {
  bool sane_header =
      f.check == FrameCheck::kBadCrc || f.check == FrameCheck::kBadOffset || f.check == FrameCheck::kBadPayload;
  return sane_header && f.pos + f.header.length <= file_size;
}

Result<std::optional<std::pair<uint64_t, uint64_t>>> FrameScanner::FindNonZero() {
  std::optional<std::pair<uint64_t, uint64_t>> found;
  while (pos_ < size_) {
    SLUICE_ASSIGN_OR_RETURN(const size_t have, Fill(chunk_));
    if (have == 0) break;
    const char* p = At();
    // Pre-zeroed space is the common case: one memcmp-speed pass, bytes only when needed.
    if (p[0] != 0 || std::memcmp(p, p + 1, have - 1) != 0) {
      for (size_t i = 0; i < have; ++i) {
        if (p[i] == 0) continue;
        if (!found) found.emplace(pos_ + i, pos_ + i);
        found->second = pos_ + i;
      }
    }
    pos_ += have;
  }
  return found;
}

}  // namespace sluice::tools
