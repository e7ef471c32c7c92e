#pragma once
// Staging memory of the durable log: 4 KiB-aligned buffers that mirror a range of a journal
// file, so that a commit writes them with O_DIRECT as they are. Standard-size buffers are
// recycled through a bounded pool: fresh mappings page-fault on first touch, which showed up
// as the main per-record cost of the in-memory backend in this VM. The pool also counts the
// bytes handed out and not yet given back: the store's write buffer.
#include <algorithm>
#include <atomic>
#include <chrono>
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
      NoteLive(live_bytes_.fetch_add(*capacity, std::memory_order_relaxed) + *capacity);
      MutexLock lock(&mu_);
      if (!spares_.empty()) {
        AlignedBuffer b = std::move(spares_.back());
        spares_.pop_back();
        return b;
      }
      return AllocateAligned(kStagingChunkBytes);
    }
    *capacity = AlignUp(bytes);
    NoteLive(live_bytes_.fetch_add(*capacity, std::memory_order_relaxed) + *capacity);
    return AllocateAligned(*capacity);
  }
  void Give(AlignedBuffer b, size_t capacity) {
    live_bytes_.fetch_sub(capacity, std::memory_order_relaxed);
    if (waiters_.load(std::memory_order_relaxed) > 0) {
      MutexLock lock(&mu_);
      space_cv_.SignalAll();
    }
    if (capacity != kStagingChunkBytes || !b) return;
    MutexLock lock(&mu_);
    if (spares_.size() < max_spares_) spares_.push_back(std::move(b));
  }

  uint64_t live_bytes() const { return live_bytes_.load(std::memory_order_relaxed); }

  // Waits up to `timeout` for the buffers alive to leave room for `bytes` more within `budget`
  // (a checkpoint frees them); true when there is room.
  bool WaitForRoom(uint64_t bytes, uint64_t budget, std::chrono::milliseconds timeout) {
    if (live_bytes() + bytes <= budget) return true;
    if (timeout.count() <= 0) return false;
    waiters_.fetch_add(1);
    MutexLock lock(&mu_);
    // Timed slices: a Give between the check and the wait is caught by the next slice.
    for (auto left = timeout; live_bytes() + bytes > budget && left.count() > 0; left -= kWaitSlice) {
      space_cv_.WaitFor(&mu_, std::min(left, kWaitSlice));
    }
    waiters_.fetch_sub(1);
    return live_bytes() + bytes <= budget;
  }

  // Spare buffers beyond what the busiest moment since the previous call needed are freed (the
  // store calls it when idle): a burst's buffers do not stay resident for good.
  void TrimToRecentPeak() {
    uint64_t live = live_bytes_.load(std::memory_order_relaxed);
    uint64_t peak = peak_bytes_.exchange(live, std::memory_order_relaxed);
    size_t keep = static_cast<size_t>((std::max(peak, live) - live) / kStagingChunkBytes);
    std::vector<AlignedBuffer> drop;
    MutexLock lock(&mu_);
    while (spares_.size() > keep) {
      drop.push_back(std::move(spares_.back()));
      spares_.pop_back();
    }
  }

 private:
  void NoteLive(uint64_t live) {
    uint64_t peak = peak_bytes_.load(std::memory_order_relaxed);
    while (live > peak && !peak_bytes_.compare_exchange_weak(peak, live, std::memory_order_relaxed)) {}
  }

  static constexpr std::chrono::milliseconds kWaitSlice{10};
  std::atomic<uint64_t> live_bytes_{0};
  std::atomic<uint64_t> peak_bytes_{0};
  std::atomic<int> waiters_{0};
  CondVar space_cv_;
  Mutex mu_;
  size_t max_spares_;
  std::vector<AlignedBuffer> spares_ GUARDED_BY(mu_);
};

}  // namespace sluice::storage::internal
