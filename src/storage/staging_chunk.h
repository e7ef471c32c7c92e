#pragma once
// Staging memory of the durable log: 4 KiB-aligned buffers that mirror a range of a segment
// file, so that a commit writes them with O_DIRECT as they are. Standard-size buffers are
// recycled through a bounded pool: fresh mappings page-fault on first touch, which showed up
// as the main per-record cost of the in-memory backend in this VM.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "base/file_system.h"
#include "base/mutex.h"

namespace sluice::storage::internal {

inline constexpr size_t kStagingChunkBytes = 1 << 20;

class ChunkPool {
 public:
  explicit ChunkPool(size_t max_spares) : max_spares_(max_spares) {}
  // A buffer of at least `bytes` (kStagingChunkBytes unless more is needed).
  AlignedBuffer Take(size_t bytes, size_t* capacity) {
    if (bytes <= kStagingChunkBytes) {
      *capacity = kStagingChunkBytes;
      MutexLock lock(&mu_);
      if (!spares_.empty()) {
        AlignedBuffer b = std::move(spares_.back());
        spares_.pop_back();
        return b;
      }
      return AllocateAligned(kStagingChunkBytes);
    }
    *capacity = AlignUp(bytes);
    return AllocateAligned(*capacity);
  }
  void Give(AlignedBuffer b, size_t capacity) {
    if (capacity != kStagingChunkBytes || !b) return;
    MutexLock lock(&mu_);
    if (spares_.size() < max_spares_) spares_.push_back(std::move(b));
  }

 private:
  Mutex mu_;
  size_t max_spares_;
  std::vector<AlignedBuffer> spares_ GUARDED_BY(mu_);
};

// A staged range of one segment: buf[0, len) holds the file bytes [base, base + len).
struct StagingChunk {
  AlignedBuffer buf;
  size_t capacity = 0;
  uint64_t base = 0;  // aligned file position of buf[0]
  size_t len = 0;
  uint64_t segment_first_offset = 0;
  bool new_segment = false;  // the first chunk of a segment that must be created
};

}  // namespace sluice::storage::internal
