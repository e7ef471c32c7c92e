// CloudWatch's statistics over a StatSet: the five standard ones exactly, the extended ones
// (percentiles, trimmed/winsorized means, trimmed count/sum, percentile rank, IQM) from the
// sketch. Bucket representatives are clamped to [min, max], so a set whose samples are all
// equal gives that value exactly.
#include <algorithm>
#include <charconv>
#include <cmath>

#include "metrics/stat_set.h"

namespace sluice::metrics {
namespace {

enum class Kind { kPercentile, kTrimmedMean, kTrimmedCount, kTrimmedSum, kWinsorizedMean, kPercentileRank };

struct Extended {
  Kind kind = Kind::kPercentile;
  bool percent = true;  // bounds are percentages (else absolute values)
  std::optional<double> lo, hi;
};

// A number as CloudWatch writes it in a statistic: digits with an optional fraction of at most
// ten decimal places (and, for absolute bounds, an optional leading minus).
std::optional<double> ParseNumber(std::string_view s, bool allow_negative) {
  if (s.empty()) return std::nullopt;
  size_t i = 0;
  if (s[0] == '-') {
    if (!allow_negative) return std::nullopt;
    i = 1;
  }
  size_t digits = 0, decimals = 0;
  bool dot = false;
  for (; i < s.size(); ++i) {
    if (s[i] == '.') {
      if (dot) return std::nullopt;
      dot = true;
    } else if (s[i] >= '0' && s[i] <= '9') {
      (dot ? decimals : digits)++;
    } else {
      return std::nullopt;
    }
  }
  if (digits == 0 || (dot && decimals == 0) || decimals > 10) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> ParsePercent(std::string_view s) {
  auto v = ParseNumber(s, false);
  if (!v || *v > 100) return std::nullopt;
  return v;
}

std::optional<Extended> ParseExtended(std::string_view s) {
  Extended e;
  if (s == "IQM") {
    e.kind = Kind::kTrimmedMean;
    e.lo = 25;
    e.hi = 75;
    return e;
  }
  // Short forms: p99, p99.9, tm90, tc90, ts90, wm90 (upper percentage, lower bound 0).
  struct Short {
    std::string_view prefix;
    Kind kind;
  };
  static constexpr Short kShort[] = {{"tm", Kind::kTrimmedMean},
                                     {"tc", Kind::kTrimmedCount},
                                     {"ts", Kind::kTrimmedSum},
                                     {"wm", Kind::kWinsorizedMean},
                                     {"p", Kind::kPercentile}};
  for (const Short& sh : kShort) {
    if (s.size() > sh.prefix.size() && s.substr(0, sh.prefix.size()) == sh.prefix) {
      auto v = ParsePercent(s.substr(sh.prefix.size()));
      if (!v) return std::nullopt;
      e.kind = sh.kind;
      if (sh.kind == Kind::kPercentile) {
        e.hi = v;
      } else {
        if (*v == 0) return std::nullopt;
        e.hi = v;
      }
      return e;
    }
  }
  // Long forms: TM(a:b), TC(a:b), TS(a:b), WM(a:b) with both bounds percentages or both absolute,
  // either omitted; PR(a:b) with absolute bounds.
  struct Long {
    std::string_view prefix;
    Kind kind;
  };
  static constexpr Long kLong[] = {{"TM(", Kind::kTrimmedMean},
                                   {"TC(", Kind::kTrimmedCount},
                                   {"TS(", Kind::kTrimmedSum},
                                   {"WM(", Kind::kWinsorizedMean},
                                   {"PR(", Kind::kPercentileRank}};
  for (const Long& l : kLong) {
    if (s.size() < l.prefix.size() + 2 || s.substr(0, l.prefix.size()) != l.prefix || s.back() != ')') continue;
    const std::string_view body = s.substr(l.prefix.size(), s.size() - l.prefix.size() - 1);
    const size_t colon = body.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::string_view a = body.substr(0, colon), b = body.substr(colon + 1);
    if (a.empty() && b.empty()) return std::nullopt;
    const bool a_pct = !a.empty() && a.back() == '%';
    const bool b_pct = !b.empty() && b.back() == '%';
    e.kind = l.kind;
    e.percent = a.empty() ? b_pct : a_pct;
    if ((!a.empty() && a_pct != e.percent) || (!b.empty() && b_pct != e.percent)) return std::nullopt;
    if (e.percent && l.kind == Kind::kPercentileRank) return std::nullopt;
    if (e.percent) {
      if (a_pct) a.remove_suffix(1);
      if (b_pct) b.remove_suffix(1);
    }
    if (!a.empty()) {
      e.lo = e.percent ? ParsePercent(a) : ParseNumber(a, true);
      if (!e.lo) return std::nullopt;
    }
    if (!b.empty()) {
      e.hi = e.percent ? ParsePercent(b) : ParseNumber(b, true);
      if (!e.hi) return std::nullopt;
    }
    if (e.lo && e.hi && *e.lo >= *e.hi) return std::nullopt;
    return e;
  }
  return std::nullopt;
}

// The sketch's buckets with representatives clamped to [min, max].
struct Bin {
  double value;
  double count;
};

std::vector<Bin> ClampedBins(const StatSet& s, const Sketch& sk) {
  std::vector<Bin> bins;
  for (const Sketch::Bucket& b : sk.Buckets()) {
    bins.push_back({std::clamp(Sketch::ValueOfKey(b.index), s.min, s.max), static_cast<double>(b.count)});
  }
  return bins;
}

double Percentile(const std::vector<Bin>& bins, double n, double q) {
  const double rank = std::clamp(std::ceil(q * n - 1e-9), 1.0, n);
  double seen = 0;
  for (const Bin& b : bins) {
    seen += b.count;
    if (seen >= rank) return b.value;
  }
  return bins.back().value;
}

std::optional<double> Evaluate(const StatSet& s, const Sketch& sk, const Extended& e) {
  const std::vector<Bin> bins = ClampedBins(s, sk);
  const double n = static_cast<double>(sk.total());
  if (e.kind == Kind::kPercentile) {
    const double q = *e.hi / 100;
    if (q <= 0) return s.min;
    if (q >= 1) return s.max;
    return Percentile(bins, n, q);
  }
  double in_sum = 0, in_count = 0, below = 0, above = 0;
  double lo_value = s.min, hi_value = s.max;
  if (e.percent) {
    // Values ranked in (lo%·n, hi%·n]; fractional ranks take part of a bucket.
    const double lo = e.lo.value_or(0) / 100 * n, hi = e.hi.value_or(100) / 100 * n;
    double c0 = 0;
    for (const Bin& b : bins) {
      const double c1 = c0 + b.count;
      const double overlap = std::min(c1, hi) - std::max(c0, lo);
      if (overlap > 0) {
        in_count += overlap;
        in_sum += overlap * b.value;
      }
      c0 = c1;
    }
    below = lo;
    above = n - hi;
    // Winsorizing replaces trimmed values by the nearest kept one: the first value ranked
    // above lo and the last ranked at or below hi.
    double seen = 0;
    bool have_lo = false;
    for (const Bin& b : bins) {
      seen += b.count;
      if (!have_lo && seen > lo) {
        lo_value = b.value;
        have_lo = true;
      }
      if (seen >= hi) {
        hi_value = b.value;
        break;
      }
    }
  } else {
    // Absolute bounds: values v with lo < v <= hi.
    const double lo = e.lo.value_or(-std::numeric_limits<double>::infinity());
    const double hi = e.hi.value_or(std::numeric_limits<double>::infinity());
    for (const Bin& b : bins) {
      if (b.value <= lo) {
        below += b.count;
      } else if (b.value > hi) {
        above += b.count;
      } else {
        in_count += b.count;
        in_sum += b.count * b.value;
      }
    }
    if (e.lo) lo_value = *e.lo;
    if (e.hi) hi_value = *e.hi;
  }
  switch (e.kind) {
    case Kind::kTrimmedMean:
      if (in_count <= 0) return std::nullopt;
      return in_sum / in_count;
    case Kind::kTrimmedCount: return in_count;
    case Kind::kTrimmedSum: return in_sum;
    case Kind::kWinsorizedMean: return (in_sum + below * lo_value + above * hi_value) / n;
    case Kind::kPercentileRank: return 100 * in_count / n;
    case Kind::kPercentile: break;
  }
  return std::nullopt;
}

}  // namespace

bool IsStandardStatistic(std::string_view stat) {
  return stat == "SampleCount" || stat == "Average" || stat == "Sum" || stat == "Minimum" || stat == "Maximum";
}

bool IsValidExtendedStatistic(std::string_view stat) { return ParseExtended(stat).has_value(); }

std::optional<double> EvaluateStatistic(const StatSet& s, std::string_view stat) {
  if (s.empty()) return std::nullopt;
  if (stat == "SampleCount") return s.sample_count;
  if (stat == "Sum") return s.sum;
  if (stat == "Average") return s.sum / s.sample_count;
  if (stat == "Minimum") return s.min;
  if (stat == "Maximum") return s.max;
  const std::optional<Extended> e = ParseExtended(stat);
  if (!e) return std::nullopt;
  // The sketch must describe every sample; a set published as bare statistics has none (or
  // covers only part of the period), except that equal samples are fully described by min.
  const auto n = static_cast<uint64_t>(std::llround(s.sample_count));
  if (!s.sketch.empty() && s.sketch.total() == n) return Evaluate(s, s.sketch, *e);
  if (s.min == s.max && n > 0) {
    Sketch one;
    one.Add(s.min, n);
    return Evaluate(s, one, *e);
  }
  return std::nullopt;
}

}  // namespace sluice::metrics
