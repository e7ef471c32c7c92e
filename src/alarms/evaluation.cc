#include "alarms/evaluation.h"

#include <algorithm>
#include <string_view>

#include "base/time_format.h"
#include "protocol/json_writer.h"

namespace sluice::alarms {
namespace {

struct Evaluated {
  int64_t timestamp_ms;
  double value;
  double sample_count;
  bool real;  // false: a missing period filled by TreatMissingData
};

// "08/11/22 11:25:00" (dd/MM/yy HH:mm:ss), as state reasons quote datapoint times.
std::string ReasonTime(int64_t ms) {
  std::string iso = FormatIso8601Millis(ms);  // 2022-11-08T11:25:00.000Z
  std::string out;
  out.append(iso, 8, 2).append("/").append(iso, 5, 2).append("/").append(iso, 2, 2).append(" ").append(iso, 11, 8);
  return out;
}

std::string Plural(size_t n, std::string_view word) {
  std::string s = std::to_string(n);
  s.append(" ").append(word);
  if (n != 1) s.append("s");
  return s;
}

// Only percentile statistics have a low-sample rule: a percentile needs enough samples to mean
// something (CloudWatch's "Percentile-based alarms and low data samples").
bool LowSampleCount(const AlarmConfig& c, const std::vector<Evaluated>& ev) {
  if (c.evaluate_low_sample_count_percentile != "ignore") return false;
  const std::string& s = c.extended_statistic;
  if (s.size() < 2 || s[0] != 'p') return false;
  double p = std::strtod(s.c_str() + 1, nullptr);
  if (p <= 0 || p >= 100) return false;
  double needed = 1.0 / (1.0 - p / 100.0);
  for (const Evaluated& e : ev)
    if (e.real && e.sample_count < needed) return true;
  return false;
}

std::string ReasonData(const EvaluationInput& in, const std::vector<Evaluated>& ev) {
  const AlarmConfig& c = *in.config;
  int n = c.evaluation_periods;
  std::string out;
  protocol::JsonWriter w(&out);
  w.BeginObject();
  w.Field("version", "1.0");
  w.Field("queryDate", ReasonTimestamp(in.query_ms));
  w.Field("startDate", ReasonTimestamp(in.end_ms - in.period_ms * n));
  if (!c.is_math()) {
    w.Field("statistic", c.StatisticOrExtended());
    if (c.unit) w.Field("unit", metrics::UnitName(*c.unit));
  }
  w.FieldInt("period", in.period_ms / 1000);
  // The real datapoints of the N most recent periods, oldest first.
  w.Key("recentDatapoints");
  w.BeginArray();
  size_t first = in.periods.size() > static_cast<size_t>(n) ? in.periods.size() - n : 0;
  for (size_t i = first; i < in.periods.size(); ++i)
    if (in.periods[i].value) w.RawValue(JavaDouble(*in.periods[i].value));
  w.EndArray();
  w.Key("threshold");
  w.RawValue(JavaDouble(c.threshold));
  w.Key("evaluatedDatapoints");
  w.BeginArray();
  for (auto it = ev.rbegin(); it != ev.rend(); ++it) {  // newest first
    w.BeginObject();
    w.Field("timestamp", ReasonTimestamp(it->timestamp_ms));
    if (it->real) {
      w.Key("sampleCount");
      w.RawValue(JavaDouble(it->sample_count));
      w.Key("value");
      w.RawValue(JavaDouble(it->value));
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return out;
}

std::string ThresholdReason(const EvaluationInput& in, const std::vector<Evaluated>& ev, AlarmState to,
                            size_t breaching, bool premature) {
  const AlarmConfig& c = *in.config;
  bool alarm = to == AlarmState::kAlarm;
  std::vector<const Evaluated*> listed;
  for (auto it = ev.rbegin(); it != ev.rend(); ++it)
    if (it->real && Breaches(c.comparison, it->value, c.threshold) == alarm) listed.push_back(&*it);
  size_t filled = std::count_if(ev.begin(), ev.end(), [](const Evaluated& e) { return !e.real; });
  std::string r = "Threshold Crossed: ";
  size_t shown = alarm ? breaching : ev.size() - breaching;
  r += std::to_string(shown) + " out of the last " + std::to_string(ev.size()) + " datapoints";
  if (!listed.empty()) {
    r += " [";
    for (size_t i = 0; i < listed.size(); ++i) {
      if (i) r += ", ";
      r += JavaDouble(listed[i]->value) + " (" + ReasonTime(listed[i]->timestamp_ms) + ")";
    }
    r += "]";
  }
  r += shown == 1 ? " was " : " were ";
  if (!alarm) r += "not ";
  r += std::string(ComparisonWords(c.comparison)) + " the threshold (" + JavaDouble(c.threshold) + ")";
  if (filled > 0)
    r += " and " + Plural(filled, "missing datapoint") + (filled == 1 ? " was" : " were") + " treated as [" +
         (c.missing() == MissingData::kBreaching ? "Breaching" : "NonBreaching") + "]";
  if (premature) r += " (the most recent datapoints were missing; evaluated early)";
  r += " (minimum " + Plural(alarm ? c.M() : 1, "datapoint") + " for " +
       std::string(StateName(in.current == to ? (alarm ? AlarmState::kOk : AlarmState::kAlarm) : in.current)) + " -> " +
       std::string(StateName(to)) + " transition).";
  return r;
}

}  // namespace

int EvaluationRangePeriods(int evaluation_periods) { return evaluation_periods + std::max(evaluation_periods / 3, 2); }

EvaluationResult Evaluate(const EvaluationInput& in) {
  const AlarmConfig& c = *in.config;
  const int n = c.evaluation_periods;
  const int m = c.M();
  EvaluationResult res;
  const size_t count = in.periods.size();
  auto ts = [&](size_t i) { return in.end_ms - static_cast<int64_t>(count - i) * in.period_ms; };

  size_t real = 0;
  for (const PeriodValue& p : in.periods)
    if (p.value) ++real;

  std::vector<Evaluated> ev;
  bool premature = false;
  if (real == 0) {
    // No data in the whole range.
    for (size_t i = count > static_cast<size_t>(n) ? count - n : 0; i < count; ++i) ev.push_back({ts(i), 0, 0, false});
    switch (c.missing()) {
      case MissingData::kMissing:
        res.state = AlarmState::kInsufficientData;
        res.reason = "Insufficient Data: " + Plural(static_cast<size_t>(n), "datapoint") + (n == 1 ? " was" : " were") +
                     " unknown.";
        res.reason_data = ReasonData(in, {});
        return res;
      case MissingData::kIgnore:
        res.state = in.current;
        res.keep_state = true;
        return res;
      case MissingData::kBreaching:
      case MissingData::kNotBreaching: {
        bool b = c.missing() == MissingData::kBreaching;
        res.state = b ? AlarmState::kAlarm : AlarmState::kOk;
        res.reason = "Threshold Crossed: no datapoints were received for " + Plural(static_cast<size_t>(n), "period") +
                     " and " + Plural(static_cast<size_t>(n), "missing datapoint") + (n == 1 ? " was" : " were") +
                     " treated as [" + (b ? "Breaching" : "NonBreaching") + "].";
        res.reason_data = ReasonData(in, {});
        return res;
      }
    }
  }

  if (real >= static_cast<size_t>(n)) {
    // Enough real datapoints: the N most recent of them.
    for (size_t i = count; i-- > 0 && ev.size() < static_cast<size_t>(n);)
      if (in.periods[i].value) ev.push_back({ts(i), *in.periods[i].value, in.periods[i].sample_count, true});
    std::reverse(ev.begin(), ev.end());
  } else {
    // Fewer real datapoints than N. Premature alarm: among the N most recent periods, the oldest
    // breaching datapoint is at least M periods old and every more recent one breaches or is
    // missing (missing periods cannot count as good unless notBreaching says so).
    if (c.missing() != MissingData::kNotBreaching) {
      size_t window = std::min(count, static_cast<size_t>(n));
      int oldest_breaching_age = 0;  // 1 = the newest period
      bool recent_ok = true;
      for (size_t k = 0; k < window; ++k) {
        size_t i = count - window + k;
        const auto& v = in.periods[i].value;
        if (!v) continue;
        bool b = Breaches(c.comparison, *v, c.threshold);
        if (b && oldest_breaching_age == 0) oldest_breaching_age = static_cast<int>(window - k);
        else if (!b && oldest_breaching_age != 0) recent_ok = false;
      }
      premature = oldest_breaching_age >= m && recent_ok;
    }
    // Every real datapoint of the range counts; breaching / notBreaching fill in as few missing
    // periods (the most recent ones) as it takes to make N.
    size_t fills = (c.missing() == MissingData::kBreaching || c.missing() == MissingData::kNotBreaching)
                       ? static_cast<size_t>(n) - real
                       : 0;
    for (size_t i = count; i-- > 0;) {
      if (in.periods[i].value) ev.push_back({ts(i), *in.periods[i].value, in.periods[i].sample_count, true});
      else if (fills > 0) {
        ev.push_back({ts(i), 0, 0, false});
        --fills;
      }
    }
    std::reverse(ev.begin(), ev.end());
  }

  if (LowSampleCount(c, ev)) {
    res.state = in.current;
    res.keep_state = true;
    return res;
  }

  size_t breaching = 0;
  for (const Evaluated& e : ev) {
    bool b = e.real ? Breaches(c.comparison, e.value, c.threshold) : c.missing() == MissingData::kBreaching;
    if (b) ++breaching;
  }
  res.state = (premature || breaching >= static_cast<size_t>(m)) ? AlarmState::kAlarm : AlarmState::kOk;
  res.reason = ThresholdReason(in, ev, res.state, breaching, premature);
  res.reason_data = ReasonData(in, ev);
  return res;
}

}  // namespace sluice::alarms
