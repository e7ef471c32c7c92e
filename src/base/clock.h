#pragma once
// Time goes through Clock so iterator expiry, lifecycle delays and (later) throttling and
// retention are testable without sleeping.
#include <atomic>
#include <cstdint>

namespace sluice {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock milliseconds since the Unix epoch.
  virtual int64_t NowMillis() const = 0;
  // Monotonic nanoseconds, for measuring durations.
  virtual int64_t MonotonicNanos() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMillis() const override;
  int64_t MonotonicNanos() const override;
  static SystemClock* Default();
};

// A clock that only moves when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_millis = 1'700'000'000'000) : millis_(start_millis) {}
  int64_t NowMillis() const override { return millis_.load(); }
  int64_t MonotonicNanos() const override { return millis_.load() * 1'000'000; }
  void Advance(int64_t millis) { millis_.fetch_add(millis); }
  void Set(int64_t millis) { millis_.store(millis); }

 private:
  std::atomic<int64_t> millis_;
};

}  // namespace sluice
