#pragma once
// Sequential validation of a segment file: the recovery scan of a shard's tail and the index
// rebuild of a sealed segment whose .idx is missing or damaged.
#include <cstdint>
#include <functional>

#include "base/file_system.h"
#include "base/status.h"
#include "storage/segment_format.h"

namespace sluice::storage::segment {

struct ScanResult {
  uint64_t end_position = 0;  // just past the last valid frame
  uint64_t next_offset = 0;   // offset after the last valid frame's records
  int64_t first_arrival_ms = 0;
  int64_t last_arrival_ms = 0;
  uint64_t frames = 0;
  FrameCheck stop = FrameCheck::kEnd;  // why the scan ended (kEnd: clean end of data)
  uint64_t file_size = 0;
};

// Reads the segment from position 0, checking every frame (CRC, header, payload, offset
// continuity from first_offset) and calling on_frame for each valid one. Stops at the first
// frame that is not valid. Errors only for I/O failures.
Result<ScanResult> ScanSegment(const File& file, uint64_t first_offset,
                               const std::function<void(uint64_t position, const FrameHeader&)>& on_frame);

}  // namespace sluice::storage::segment
