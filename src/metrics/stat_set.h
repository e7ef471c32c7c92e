#pragma once
// Aggregated samples of one metric over one interval: CloudWatch's statistic set
// {SampleCount, Sum, Minimum, Maximum} plus a mergeable sketch for percentiles and trimmed
// statistics. Intervals merge exactly for the four basic statistics and within the sketch's
// relative error for the rest.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace sluice::metrics {

// Log-bucketed histogram (DDSketch-style): every value falls in a bucket whose bounds are within
// a fixed relative error of each other; buckets merge by adding counts. Sparse: only occupied
// buckets are stored. Handles zero and negative values.
class Sketch {
 public:
  static constexpr double kRelativeError = 0.01;

  // The bucket key of a value: 0 for zero (and magnitudes below 1e-300, and NaN), positive for
  // positive values, negative for negative ones; keys sort in the order of the values they hold.
  // CounterSet buckets with the same function, so converting its histograms loses nothing.
  static int32_t KeyOf(double value);
  // The bucket's representative (within kRelativeError of every value in it) and its bounds.
  static double ValueOfKey(int32_t key);
  static double LowerBound(int32_t key);
  static double UpperBound(int32_t key);

  void Add(double value, uint64_t count = 1);
  void AddKey(int32_t key, uint64_t count);
  void Merge(const Sketch& other);
  bool empty() const { return total_ == 0; }
  uint64_t total() const { return total_; }
  void Clear();

  // Value at quantile q in [0, 1] (nearest rank over bucket representatives), clamped by the
  // caller to [min, max] of the interval.
  double Quantile(double q) const;
  // Sum and count of the values between two quantiles (for trimmed statistics).
  struct RangeSum {
    double sum = 0;
    double count = 0;
  };
  RangeSum SumBetweenQuantiles(double lo_q, double hi_q) const;
  // Sum and count of the values in [lo, hi] (absolute bounds: TM(10:90), PR(:100)).
  RangeSum SumBetweenValues(double lo, double hi, bool lo_inclusive, bool hi_inclusive) const;

  void EncodeTo(std::string* out) const;
  static bool DecodeFrom(std::string_view* in, Sketch* out);

  // Buckets as (index, count), for exporters that re-bucket (Prometheus histograms).
  struct Bucket {
    int32_t index;
    uint64_t count;
    double lower;  // bucket bounds
    double upper;
  };
  std::vector<Bucket> Buckets() const;
  size_t bucket_count() const { return bins_.size(); }
  friend bool operator==(const Sketch&, const Sketch&) = default;

 private:
  std::vector<std::pair<int32_t, uint64_t>> bins_;  // sorted by index
  uint64_t total_ = 0;
};

struct StatSet {
  double sample_count = 0;
  double sum = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  Sketch sketch;  // may be empty when only a statistic set was given (PutMetricData StatisticValues)

  bool empty() const { return sample_count == 0; }
  void AddSample(double value, double count = 1);
  void Merge(const StatSet& other);
};

// "SampleCount", "Average", "Sum", "Minimum", "Maximum", or an extended statistic: pNN(.NN),
// tmNN, tcNN, tsNN, wmNN, TM(a%:b%), TC(...), TS(...), WM(...), PR(a:b), IQM.
bool IsStandardStatistic(std::string_view stat);
bool IsValidExtendedStatistic(std::string_view stat);
// The statistic's value; nullopt when it is undefined for the data (no samples; a percentile of
// a set stored without a sketch).
std::optional<double> EvaluateStatistic(const StatSet& s, std::string_view stat);

}  // namespace sluice::metrics
