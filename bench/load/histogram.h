#pragma once
// Log-linear latency histogram in the spirit of HdrHistogram: values (nanoseconds) are
// bucketed by power of two with 128 linear sub-buckets each, so any recorded value is
// reported with at most ~0.8% relative error. Fixed memory, O(1) record, mergeable.
#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

namespace sluice::bench {

class LogHistogram {
 public:
  static constexpr int kSubBits = 7;  // 128 sub-buckets per power of two
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kMaxExp = 45;  // up to ~2^45 ns (~9.7 hours)
  static constexpr int kBuckets = (kMaxExp + 1) * kSub;

  void Record(uint64_t v) {
    ++counts_[Index(v)];
    ++count_;
    sum_ += v;
    max_ = std::max(max_, v);
    min_ = std::min(min_, v);
  }
  void Merge(const LogHistogram& o) {
    for (int i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
    count_ += o.count_;
    sum_ += o.sum_;
    max_ = std::max(max_, o.max_);
    min_ = std::min(min_, o.min_);
  }
  uint64_t count() const { return count_; }
  uint64_t max() const { return count_ ? max_ : 0; }
  uint64_t min() const { return count_ ? min_ : 0; }
  double mean() const { return count_ ? static_cast<double>(sum_) / count_ : 0; }
  // Value at quantile q in [0,1]: the midpoint of the bucket holding the rank, clamped
  // to [min, max].
  uint64_t Quantile(double q) const {
    if (count_ == 0) return 0;
    uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(count_));
    if (rank >= count_) rank = count_ - 1;
    uint64_t seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen > rank) return std::clamp(Midpoint(i), min(), max());
    }
    return max_;
  }

 private:
  // v < 128 maps to itself; otherwise shift = bit_width(v) - 8 keeps the top 8 bits
  // (a leading 1 plus 7 sub-bucket bits): index = (shift + 1) * 128 + those 7 bits.
  static int Index(uint64_t v) {
    if (v < kSub) return static_cast<int>(v);
    int shift = std::bit_width(v) - kSubBits - 1;
    int i = (shift + 1) * kSub + static_cast<int>((v >> shift) - kSub);
    return std::min(i, kBuckets - 1);
  }
  static uint64_t Midpoint(int i) {
    if (i < kSub) return static_cast<uint64_t>(i);
    int shift = i / kSub - 1;
    uint64_t low = (static_cast<uint64_t>(kSub) + static_cast<uint64_t>(i % kSub)) << shift;
    return low + ((uint64_t{1} << shift) >> 1);
  }

  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t max_ = 0;
  uint64_t min_ = UINT64_MAX;
};

}  // namespace sluice::bench
