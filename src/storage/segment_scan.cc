#include "storage/segment_scan.h"

#include <algorithm>
#include <memory>
#include <vector>

namespace sluice::storage::segment {
namespace {
constexpr size_t kScanChunk = 4 << 20;
}

Result<ScanResult> ScanSegment(const File& file, uint64_t first_offset,
                               const std::function<void(uint64_t position, const FrameHeader&)>& on_frame) {
  auto size = file.Size();
  if (!size.ok()) return size.status();
  ScanResult r;
  r.file_size = *size;
  r.next_offset = first_offset;
  std::vector<char> buf(kScanChunk);
  uint64_t buf_pos = 0;  // file position of buf[0]
  size_t buf_len = 0;
  uint64_t pos = 0;
  while (true) {
    size_t rel = pos - buf_pos;
    size_t avail = buf_len - rel;
    FrameHeader h;
    FrameCheck c = CheckFrame(buf.data() + rel, avail, r.next_offset, &h);
    bool at_eof = buf_pos + buf_len >= r.file_size;
    if (c == FrameCheck::kTruncated && avail >= kFrameHeaderBytes && h.length > r.file_size - pos) at_eof = true;
    if ((c == FrameCheck::kTruncated || (c == FrameCheck::kEnd && avail < 4)) && !at_eof) {
      // Refill from pos; grow the buffer when one frame is larger than it.
      size_t want =
          std::max(kScanChunk, c == FrameCheck::kTruncated && avail >= kFrameHeaderBytes ? static_cast<size_t>(h.length)
                                                                                         : size_t{0});
      if (want > buf.size()) buf.resize(want);
      size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), r.file_size - pos));
      auto got = file.ReadAt(pos, buf.data(), n);
      if (!got.ok()) return got.status();
      buf_pos = pos;
      buf_len = *got;
      if (*got == 0) break;
      continue;
    }
    if (c != FrameCheck::kOk) {
      r.stop = c;
      break;
    }
    if (on_frame) on_frame(pos, h);
    if (r.frames == 0) r.first_arrival_ms = h.arrival_ms;
    r.last_arrival_ms = h.arrival_ms;
    ++r.frames;
    r.next_offset = h.first_offset + h.record_count;
    pos += h.length;
    r.end_position = pos;
  }
  return r;
}

}  // namespace sluice::storage::segment
