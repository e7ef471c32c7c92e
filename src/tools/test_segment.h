#pragma once
// Segments built by hand for the log tool's tests (test-only).
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "storage/record_batch.h"
#include "storage/segment_format.h"

namespace sluice::tools::testing {

namespace seg = storage::segment;
inline constexpr int64_t kArrival = 1700000000000;  // 2023-11-14T22:13:20.000Z

// A segment built by hand: frames of `per_frame` records, an index entry for every frame.
struct Segment {
  uint64_t first = 0;
  std::string bytes;
  seg::SegmentIndex index;
  std::vector<uint64_t> frame_pos;

  explicit Segment(uint64_t first_offset) : first(first_offset) {
    index.first_offset = index.end_offset = first_offset;
  }
  Segment& Frame(const std::vector<std::pair<std::string, std::string>>& records, int64_t arrival = kArrival) {
    storage::RecordBatchBuilder batch;
    for (auto& [k, d] : records) batch.AddRecord(k, d);
    seg::FrameHeader h;
    h.length = static_cast<uint32_t>(seg::kFrameHeaderBytes + batch.bytes().size());
    h.first_offset = index.end_offset;
    h.arrival_ms = arrival;
    h.record_count = batch.count();
    std::string frame(h.length, '\0');
    seg::EncodeFrameHeader(h, frame.data());
    std::memcpy(frame.data() + seg::kFrameHeaderBytes, batch.bytes().data(), batch.bytes().size());
    seg::SealFrame(frame.data(), h.length);
    frame_pos.push_back(bytes.size());
    index.entries.push_back({h.first_offset, bytes.size(), arrival});
    bytes += frame;
    index.end_offset += h.record_count;
    index.data_bytes = bytes.size();
    index.last_arrival_ms = arrival;
    return *this;
  }
  Segment& Frames(int n) {
    for (int i = 0; i < n; ++i) Frame({{"key" + std::to_string(i), "value-" + std::to_string(i)}, {"k", "xy"}});
    return *this;
  }
};

}  // namespace sluice::tools::testing
