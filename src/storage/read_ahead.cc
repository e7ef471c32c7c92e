#include "storage/read_ahead.h"

#include <algorithm>

namespace sluice::storage::internal {

namespace {
constexpr size_t kMaxSpares = 4;
}

bool ReadAheadBudget::Take(uint64_t bytes, segment::ReadBuffer* buf) {
  MutexLock lock(&mu_);
  if (in_use_ + bytes > max_bytes_) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  in_use_ += bytes;
  started_.fetch_add(1, std::memory_order_relaxed);
  // The largest spare: buffers grow to the largest read-ahead and stay there.
  auto best = std::max_element(spares_.begin(), spares_.end(),
                               [](const auto& a, const auto& b) { return a.size() < b.size(); });
  if (best != spares_.end()) {
    *buf = std::move(*best);
    spares_.erase(best);
  }
  return true;
}

void ReadAheadBudget::Give(uint64_t bytes, segment::ReadBuffer buf) {
  MutexLock lock(&mu_);
  in_use_ -= std::min(in_use_, bytes);
  if (buf.size() > 0 && spares_.size() < kMaxSpares) spares_.push_back(std::move(buf));
}

void ReadAheadSlot::Run() {
  size_t got = 0;
  buf_.Reserve(length_, 0);
  auto r = file_->ReadAtDirect(start_, buf_.data(), length_);
  if (r.ok()) got = static_cast<size_t>(std::min<uint64_t>(*r, valid_end_ - start_));
  {
    MutexLock lock(&mu_);
    got_ = got;
    done_ = true;
  }
  cv_.SignalAll();
}

void ReadAheadSlot::Cancel() {
  {
    MutexLock lock(&mu_);
    done_ = true;
  }
  cv_.SignalAll();
}

size_t ReadAheadSlot::TakeInto(segment::ReadBuffer* buf) {
  MutexLock lock(&mu_);
  while (!done_) cv_.Wait(&mu_);
  if (got_ == 0) return 0;
  std::swap(*buf, buf_);
  size_t got = got_;
  got_ = 0;  // taken once
  budget_->CountAdopted();
  return got;
}

ReadAheadPool::ReadAheadPool(uint32_t threads) {
  for (uint32_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

ReadAheadPool::~ReadAheadPool() {
  Stop();
  for (auto& t : threads_) t.join();
}

void ReadAheadPool::Stop() {
  std::vector<std::shared_ptr<ReadAheadSlot>> dropped;
  {
    MutexLock lock(&mu_);
    stop_ = true;
    dropped.assign(queue_.begin(), queue_.end());
    queue_.clear();
  }
  cv_.SignalAll();
  // A reader may be waiting on a dropped slot: it reads for itself.
  for (auto& s : dropped) s->Cancel();
}

void ReadAheadPool::Submit(std::shared_ptr<ReadAheadSlot> slot) {
  {
    MutexLock lock(&mu_);
    if (!stop_) {
      queue_.push_back(std::move(slot));
      cv_.Signal();
      return;
    }
  }
  slot->Cancel();  // the pool is stopping
}

void ReadAheadPool::Loop() {
  while (true) {
    std::shared_ptr<ReadAheadSlot> slot;
    {
      MutexLock lock(&mu_);
      while (!stop_ && queue_.empty()) cv_.Wait(&mu_);
      if (queue_.empty()) return;
      slot = std::move(queue_.front());
      queue_.pop_front();
    }
    slot->Run();
  }
}

}  // namespace sluice::storage::internal
