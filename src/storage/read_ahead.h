#pragma once
// Read-ahead for consumers that read a shard sequentially in bulk (catching up). Bulk reads
// bypass the page cache (FrameCursor), so nothing reads ahead for them: without this, the disk
// idles while a response is encoded and sent, and the encoder idles while the disk reads.
// After a bulk read that continued where the previous one on the same shard stopped, the shard
// starts reading what the next call will want on a background thread (ReadAheadSlot); the next
// call adopts that buffer if it starts inside it. Internal to the storage module.
//
// Memory is bounded store-wide (ReadAheadBudget): a read-ahead that would pass the budget is
// simply not started. Buffers are recycled: fresh pages fault on first touch (costly in a VM).
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "base/file_system.h"
#include "base/mutex.h"
#include "base/status.h"
#include "storage/disk_log_store.h"
#include "storage/segment_cursor.h"

namespace sluice::storage::internal {

// A reader adopting a read-ahead speculatively starts the next one this far before the end of
// the adopted span: the next call starts at the index entry before the first record this call
// does not return, which lies within a frame and an index interval of where it stops.
inline constexpr uint64_t kReadAheadOverlap = (1 << 20) + (64 << 10);

class ReadAheadBudget {
 public:
  explicit ReadAheadBudget(uint64_t max_bytes) : max_bytes_(max_bytes) {}
  // A buffer of at least `bytes` charged to the budget, or false when the budget is used up.
  bool Take(uint64_t bytes, segment::ReadBuffer* buf);
  // Gives the charge back and keeps the buffer (up to a few) for the next Take.
  void Give(uint64_t bytes, segment::ReadBuffer buf);
  uint64_t in_use() const {
    MutexLock lock(&mu_);
    return in_use_;
  }
  void CountAdopted() { adopted_.fetch_add(1, std::memory_order_relaxed); }
  ReadAheadStats stats() const {
    return {started_.load(std::memory_order_relaxed), adopted_.load(std::memory_order_relaxed),
            refused_.load(std::memory_order_relaxed)};
  }

 private:
  std::atomic<uint64_t> started_{0}, adopted_{0}, refused_{0};
  mutable Mutex mu_;
  const uint64_t max_bytes_;
  uint64_t in_use_ GUARDED_BY(mu_) = 0;
  std::vector<segment::ReadBuffer> spares_ GUARDED_BY(mu_);
};

// One background read: [start, start + length) of `file`, of which the bytes before valid_end
// were committed when it was started (later bytes may be anything and are never used).
class ReadAheadSlot {
 public:
  // call_bytes: how many bytes one call of the reader it is for goes through (for the next one).
  ReadAheadSlot(std::shared_ptr<ReadAheadBudget> budget, std::shared_ptr<File> file, uint64_t start, uint64_t length,
                uint64_t valid_end, segment::ReadBuffer buf, uint64_t call_bytes = 0)
      : budget_(std::move(budget)),
        file_(std::move(file)),
        start_(start),
        length_(length),
        valid_end_(valid_end),
        call_bytes_(call_bytes),
        buf_(std::move(buf)) {}
  ~ReadAheadSlot() { budget_->Give(length_, std::move(buf_)); }

  void Run();     // on a pool thread
  void Cancel();  // instead of Run: TakeInto returns 0
  // Waits for Run; on success swaps the bytes read into *buf and returns how many of them are
  // valid (from start()); 0 when the read failed (the caller reads for itself).
  size_t TakeInto(segment::ReadBuffer* buf);

  // Whether a read of `file` starting at `pos` can use this read-ahead.
  bool Covers(const File* file, uint64_t pos) const { return file == file_.get() && start_ <= pos && pos < valid_end_; }
  uint64_t start() const { return start_; }
  uint64_t length() const { return length_; }
  uint64_t call_bytes() const { return call_bytes_; }

 private:
  std::shared_ptr<ReadAheadBudget> budget_;
  std::shared_ptr<File> file_;
  const uint64_t start_;
  const uint64_t length_;
  const uint64_t valid_end_;
  const uint64_t call_bytes_;
  // Filled by Run before it sets done_ (the mutex orders the two), taken by TakeInto after.
  segment::ReadBuffer buf_;
  Mutex mu_;
  CondVar cv_;  // done_
  bool done_ GUARDED_BY(mu_) = false;
  size_t got_ GUARDED_BY(mu_) = 0;
};

// The threads that run read-aheads. Stopping drops reads not yet started.
class ReadAheadPool {
 public:
  explicit ReadAheadPool(uint32_t threads);
  ~ReadAheadPool();  // stops, then waits for the reads in progress
  void Submit(std::shared_ptr<ReadAheadSlot> slot);
  // Cancels the queued reads (and later submissions); reads in progress finish.
  void Stop();

 private:
  void Loop();
  Mutex mu_;
  CondVar cv_;  // queue_, stop_
  std::deque<std::shared_ptr<ReadAheadSlot>> queue_ GUARDED_BY(mu_);
  bool stop_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace sluice::storage::internal
