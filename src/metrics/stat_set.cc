#include "metrics/stat_set.h"

#include <algorithm>
#include <cmath>

#include "metrics/varint.h"

namespace sluice::metrics {
namespace {

// DDSketch's mapping: bucket i holds (γ^(i-1), γ^i] with γ = (1+α)/(1-α); its representative
// 2γ^i/(γ+1) is within α of every value in it.
constexpr double kGamma = (1 + Sketch::kRelativeError) / (1 - Sketch::kRelativeError);
const double kLogGamma = std::log(kGamma);
constexpr double kMinMagnitude = 1e-300;
// Keys of positive values are kSignOffset + i (i spans about ±35,000 over the double range),
// negative values mirror them below zero, so key order is value order.
constexpr int32_t kSignOffset = 1 << 20;
constexpr int32_t kMaxIndex = 40'000;

int32_t IndexOfMagnitude(double m) {
  double i = std::ceil(std::log(m) / kLogGamma);
  i = std::clamp(i, -static_cast<double>(kMaxIndex), static_cast<double>(kMaxIndex));
  return static_cast<int32_t>(i);
}

}  // namespace

int32_t Sketch::KeyOf(double value) {
  const double m = std::fabs(value);
  if (!(m >= kMinMagnitude)) return 0;  // zero, tiny, NaN
  const int32_t i = IndexOfMagnitude(m);
  return value > 0 ? kSignOffset + i : -(kSignOffset + i);
}

double Sketch::ValueOfKey(int32_t key) {
  if (key == 0) return 0;
  const int32_t i = (key > 0 ? key : -key) - kSignOffset;
  const double rep = 2 * std::pow(kGamma, i) / (kGamma + 1);
  return key > 0 ? rep : -rep;
}

double Sketch::LowerBound(int32_t key) {
  if (key == 0) return 0;
  const int32_t i = (key > 0 ? key : -key) - kSignOffset;
  return key > 0 ? std::pow(kGamma, i - 1) : -std::pow(kGamma, i);
}

double Sketch::UpperBound(int32_t key) {
  if (key == 0) return 0;
  const int32_t i = (key > 0 ? key : -key) - kSignOffset;
  return key > 0 ? std::pow(kGamma, i) : -std::pow(kGamma, i - 1);
}

void Sketch::Add(double value, uint64_t count) { AddKey(KeyOf(value), count); }

void Sketch::AddKey(int32_t key, uint64_t count) {
  if (count == 0) return;
  total_ += count;
  // Appends dominate (values arrive in no order, but most sketches have few buckets).
  auto it = std::lower_bound(bins_.begin(), bins_.end(), key,
                             [](const std::pair<int32_t, uint64_t>& b, int32_t k) { return b.first < k; });
  if (it != bins_.end() && it->first == key) {
    it->second += count;
  } else {
    bins_.insert(it, {key, count});
  }
}

void Sketch::Merge(const Sketch& other) {
  if (other.bins_.empty()) return;
  if (bins_.empty()) {
    *this = other;
    return;
  }
  std::vector<std::pair<int32_t, uint64_t>> merged;
  merged.reserve(bins_.size() + other.bins_.size());
  size_t i = 0, j = 0;
  while (i < bins_.size() || j < other.bins_.size()) {
    if (j == other.bins_.size() || (i < bins_.size() && bins_[i].first < other.bins_[j].first)) {
      merged.push_back(bins_[i++]);
    } else if (i == bins_.size() || other.bins_[j].first < bins_[i].first) {
      merged.push_back(other.bins_[j++]);
    } else {
      merged.emplace_back(bins_[i].first, bins_[i].second + other.bins_[j].second);
      ++i;
      ++j;
    }
  }
  bins_ = std::move(merged);
  total_ += other.total_;
}

void Sketch::Clear() {
  bins_.clear();
  total_ = 0;
}

double Sketch::Quantile(double q) const {
  if (total_ == 0) return 0;
  const double n = static_cast<double>(total_);
  // Nearest rank: the smallest value with at least q·n values at or below it.
  // (The epsilon keeps 0.9 × 10 = 9.000000000000002 at rank 9.)
  const double rank = std::clamp(std::ceil(q * n - 1e-9), 1.0, n);
  double seen = 0;
  for (const auto& [key, count] : bins_) {
    seen += static_cast<double>(count);
    if (seen >= rank) return ValueOfKey(key);
  }
  return ValueOfKey(bins_.back().first);
}

Sketch::RangeSum Sketch::SumBetweenQuantiles(double lo_q, double hi_q) const {
  RangeSum r;
  const double n = static_cast<double>(total_);
  const double lo = lo_q * n, hi = hi_q * n;
  double c0 = 0;
  for (const auto& [key, count] : bins_) {
    const double c1 = c0 + static_cast<double>(count);
    const double overlap = std::min(c1, hi) - std::max(c0, lo);
    if (overlap > 0) {
      r.count += overlap;
      r.sum += overlap * ValueOfKey(key);
    }
    c0 = c1;
  }
  return r;
}

Sketch::RangeSum Sketch::SumBetweenValues(double lo, double hi, bool lo_inclusive, bool hi_inclusive) const {
  RangeSum r;
  for (const auto& [key, count] : bins_) {
    const double v = ValueOfKey(key);
    const bool above = lo_inclusive ? v >= lo : v > lo;
    const bool below = hi_inclusive ? v <= hi : v < hi;
    if (above && below) {
      r.count += static_cast<double>(count);
      r.sum += static_cast<double>(count) * v;
    }
  }
  return r;
}

// Occupied buckets come in runs (a latency distribution fills neighbouring buckets), so they are
// written as runs of counts: per run the key gap from the previous run's end and the run length,
// then one count per bucket. Gaps of up to kMaxZeroFill empty buckets are written as zero counts
// inside a run, which is shorter than starting a new one.
namespace {
constexpr int32_t kMaxZeroFill = 2;
}

void Sketch::EncodeTo(std::string* out) const {
  varint::PutU64(bins_.size(), out);
  int64_t next = 0;  // the key after the previous run
  size_t i = 0;
  while (i < bins_.size()) {
    // The run is bins_[i..j) plus the empty buckets between them.
    size_t j = i + 1;
    while (j < bins_.size() && bins_[j].first - bins_[j - 1].first <= kMaxZeroFill + 1) ++j;
    const int32_t first = bins_[i].first;
    const int32_t last = bins_[j - 1].first;
    varint::PutI64(static_cast<int64_t>(first) - next, out);
    varint::PutU64(static_cast<uint64_t>(last - first), out);  // length - 1
    int32_t key = first;
    for (size_t k = i; k < j; ++k) {
      for (; key < bins_[k].first; ++key) out->push_back(0);
      varint::PutU64(bins_[k].second, out);
      ++key;
    }
    next = static_cast<int64_t>(last) + 1;
    i = j;
  }
}

bool Sketch::DecodeFrom(std::string_view* in, Sketch* out) {
  out->Clear();
  uint64_t n;
  if (!varint::GetU64(in, &n) || n > in->size()) return false;
  out->bins_.reserve(n);
  int64_t next = 0;
  while (out->bins_.size() < n) {
    int64_t gap;
    uint64_t len_minus_one;
    if (!varint::GetI64(in, &gap) || !varint::GetU64(in, &len_minus_one)) return false;
    // Runs are in key order and stay within the mapping's range.
    const int64_t first = next + gap;
    if ((!out->bins_.empty() && gap < 0) || len_minus_one > in->size() || first < -(kSignOffset + kMaxIndex) ||
        first + static_cast<int64_t>(len_minus_one) > kSignOffset + kMaxIndex)
      return false;
    for (uint64_t k = 0; k <= len_minus_one; ++k) {
      uint64_t count;
      if (!varint::GetU64(in, &count)) return false;
      if (count == 0) continue;
      if (out->bins_.size() == n) return false;
      out->bins_.emplace_back(static_cast<int32_t>(first + static_cast<int64_t>(k)), count);
      out->total_ += count;
    }
    next = first + static_cast<int64_t>(len_minus_one) + 1;
  }
  return true;
}

std::vector<Sketch::Bucket> Sketch::Buckets() const {
  std::vector<Bucket> out;
  out.reserve(bins_.size());
  for (const auto& [key, count] : bins_) out.push_back({key, count, LowerBound(key), UpperBound(key)});
  return out;
}

void StatSet::AddSample(double value, double count) {
  if (!(count > 0)) return;
  sample_count += count;
  sum += value * count;
  min = std::min(min, value);
  max = std::max(max, value);
  sketch.Add(value, static_cast<uint64_t>(std::llround(std::max(count, 1.0))));
}

void StatSet::Merge(const StatSet& other) {
  if (other.empty()) return;
  sample_count += other.sample_count;
  sum += other.sum;
  min = std::min(min, other.min);
  max = std::max(max, other.max);
  sketch.Merge(other.sketch);
}

}  // namespace sluice::metrics
