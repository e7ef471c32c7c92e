#pragma once
// A token bucket on an injected clock. Levels are kept in thousandths of a unit so that a refill of
// `rate` units per second over a whole number of milliseconds is exact integer arithmetic (no drift,
// no rounding at boundaries): level += rate * elapsed_ms.
#include <algorithm>
#include <cstdint>

namespace sluice::limits {

// Whether an admission may leave the bucket in debt (TryTakeWithDebt's rule) or needs the whole
// cost in tokens (TryTake's).
enum class Debt { kRefused, kAllowed };

class TokenBucket {
 public:
  TokenBucket() = default;
  // Starts full: a producer that was idle may use the whole burst at once, as on AWS.
  TokenBucket(uint64_t rate_per_sec, uint64_t capacity, int64_t now_ms)
      : rate_(static_cast<int64_t>(rate_per_sec)),
        capacity_(static_cast<int64_t>(capacity) * kScale),
        level_(capacity_),
        last_ms_(now_ms) {}

  static constexpr int64_t kScale = 1000;

  // Credits the time since the last call. A clock that steps back refills nothing rather than
  // draining: wall-clock corrections must not throttle anyone.
  void Refill(int64_t now_ms) {
    if (now_ms <= last_ms_) return;
    int64_t elapsed = now_ms - last_ms_;
    last_ms_ = now_ms;
    // Saturate long idle periods before multiplying so the product cannot overflow.
    if (level_ >= capacity_) return;
    int64_t room = capacity_ - level_;
    level_ = (rate_ == 0 || elapsed >= room / rate_ + 1) ? capacity_ : std::min(capacity_, level_ + rate_ * elapsed);
  }

  // Plain bucket: admits only what is there.
  bool TryTake(uint64_t units, int64_t now_ms) {
    Refill(now_ms);
    int64_t cost = static_cast<int64_t>(units) * kScale;
    if (level_ < cost) return false;
    level_ -= cost;
    return true;
  }

  // Burst-with-debt admission: a cost above the bucket's capacity (a 10 MiB record against a
  // 1 MiB/s bucket) is admitted once the bucket is full and leaves the level negative, so the excess
  // is paid for by the following seconds. Smaller costs need that many tokens.
  bool TryTakeWithDebt(uint64_t units, int64_t now_ms) {
    Refill(now_ms);
    int64_t cost = static_cast<int64_t>(units) * kScale;
    if (level_ < std::min(cost, capacity_)) return false;
    level_ -= cost;
    return true;
  }

  // A capacity that depends on the caller (a stream's record size) may change between calls. A full
  // bucket stays full, so a fresh or idle shard gets the whole new burst; a lower one clamps.
  void SetCapacity(uint64_t capacity) {
    int64_t c = static_cast<int64_t>(capacity) * kScale;
    if (c == capacity_) return;
    if (level_ >= capacity_ || level_ > c) level_ = c;
    capacity_ = c;
  }

  // Two-bucket admission (bytes and records of one write) must check both before taking from
  // either; these split TryTake/TryTakeWithDebt into test and take. Call Refill first.
  bool Allows(uint64_t units, Debt debt) const {
    int64_t cost = static_cast<int64_t>(units) * kScale;
    return level_ >= (debt == Debt::kAllowed ? std::min(cost, capacity_) : cost);
  }
  void Take(uint64_t units) { level_ -= static_cast<int64_t>(units) * kScale; }

  // Charges a cost known only afterwards (bytes a read returned); may leave the level negative.
  void Charge(uint64_t units, int64_t now_ms) {
    Refill(now_ms);
    level_ -= static_cast<int64_t>(units) * kScale;
  }

  // Positive level required: used where the cost is charged after admission.
  bool HasCredit(int64_t now_ms) {
    Refill(now_ms);
    return level_ > 0;
  }

  // True when the bucket is as it would be if freshly created: state may then be dropped.
  bool FullAt(int64_t now_ms) {
    Refill(now_ms);
    return level_ >= capacity_;
  }

  int64_t level_milli() const { return level_; }
  int64_t capacity_milli() const { return capacity_; }

 private:
  int64_t rate_ = 0;
  int64_t capacity_ = 0;
  int64_t level_ = 0;
  int64_t last_ms_ = 0;
};

}  // namespace sluice::limits
