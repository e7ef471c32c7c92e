#include "alarms/alarm.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "base/time_format.h"

namespace sluice::alarms {
namespace {

template <typename E, size_t N>
std::optional<E> Lookup(const std::pair<E, std::string_view> (&table)[N], std::string_view s) {
  for (const auto& [e, name] : table)
    if (name == s) return e;
  return std::nullopt;
}
template <typename E, size_t N>
std::string_view NameOf(const std::pair<E, std::string_view> (&table)[N], E e) {
  for (const auto& [v, name] : table)
    if (v == e) return name;
  return "";
}

constexpr std::pair<AlarmState, std::string_view> kStates[] = {
    {AlarmState::kOk, "OK"}, {AlarmState::kAlarm, "ALARM"}, {AlarmState::kInsufficientData, "INSUFFICIENT_DATA"}};
constexpr std::pair<Comparison, std::string_view> kComparisons[] = {
    {Comparison::kGreaterOrEqual, "GreaterThanOrEqualToThreshold"},
    {Comparison::kGreater, "GreaterThanThreshold"},
    {Comparison::kLess, "LessThanThreshold"},
    {Comparison::kLessOrEqual, "LessThanOrEqualToThreshold"}};
constexpr std::pair<Comparison, std::string_view> kComparisonWords[] = {
    {Comparison::kGreaterOrEqual, "greater than or equal to"},
    {Comparison::kGreater, "greater than"},
    {Comparison::kLess, "less than"},
    {Comparison::kLessOrEqual, "less than or equal to"}};
constexpr std::pair<MissingData, std::string_view> kMissing[] = {{MissingData::kMissing, "missing"},
                                                                 {MissingData::kIgnore, "ignore"},
                                                                 {MissingData::kBreaching, "breaching"},
                                                                 {MissingData::kNotBreaching, "notBreaching"}};
constexpr std::pair<HistoryType, std::string_view> kHistoryTypes[] = {
    {HistoryType::kConfigurationUpdate, "ConfigurationUpdate"},
    {HistoryType::kStateUpdate, "StateUpdate"},
    {HistoryType::kAction, "Action"}};

constexpr std::string_view kArnPrefix = "arn:aws:cloudwatch:";

}  // namespace

std::string_view StateName(AlarmState s) { return NameOf(kStates, s); }
std::optional<AlarmState> ParseState(std::string_view s) { return Lookup(kStates, s); }
std::string_view ComparisonName(Comparison c) { return NameOf(kComparisons, c); }
std::optional<Comparison> ParseComparison(std::string_view s) { return Lookup(kComparisons, s); }
std::string_view ComparisonWords(Comparison c) { return NameOf(kComparisonWords, c); }
std::string_view MissingDataName(MissingData m) { return NameOf(kMissing, m); }
std::optional<MissingData> ParseMissingData(std::string_view s) { return Lookup(kMissing, s); }
std::string_view HistoryTypeName(HistoryType t) { return NameOf(kHistoryTypes, t); }
std::optional<HistoryType> ParseHistoryType(std::string_view s) { return Lookup(kHistoryTypes, s); }

bool Breaches(Comparison c, double value, double threshold) {
  switch (c) {
    case Comparison::kGreaterOrEqual: return value >= threshold;
    case Comparison::kGreater: return value > threshold;
    case Comparison::kLess: return value < threshold;
    case Comparison::kLessOrEqual: return value <= threshold;
  }
  return false;
}

int64_t AlarmConfig::EvaluationPeriodSeconds() const {
  if (!is_math()) return period_s;
  for (const MetricQuery& q : metrics) {
    if (!q.return_data) continue;
    if (q.metric_stat) return q.metric_stat->period_s;
    if (q.period_s) return *q.period_s;
  }
  // An expression without its own period takes the smallest period of the metrics it reads.
  int64_t p = 0;
  for (const MetricQuery& q : metrics)
    if (q.metric_stat && (p == 0 || q.metric_stat->period_s < p)) p = q.metric_stat->period_s;
  return p;
}

std::string AlarmArn(std::string_view region, std::string_view account, std::string_view name) {
  std::string arn(kArnPrefix);
  arn.append(region).append(":").append(account).append(":alarm:").append(name);
  return arn;
}

std::optional<std::string> AlarmNameFromArn(std::string_view arn) {
  if (!arn.starts_with(kArnPrefix)) return std::nullopt;
  std::string_view rest = arn.substr(kArnPrefix.size());
  size_t region_end = rest.find(':');
  if (region_end == std::string_view::npos) return std::nullopt;
  size_t account_end = rest.find(':', region_end + 1);
  if (account_end == std::string_view::npos) return std::nullopt;
  rest = rest.substr(account_end + 1);
  constexpr std::string_view kAlarm = "alarm:";
  if (!rest.starts_with(kAlarm) || rest.size() == kAlarm.size()) return std::nullopt;
  return std::string(rest.substr(kAlarm.size()));
}

std::string JavaDouble(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  double a = std::fabs(v);
  char buf[64];
  if (a == 0 || (a >= 1e-3 && a < 1e7)) {
    // Shortest round-trip digits, with at least one fractional digit.
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
    std::string s(buf, end);
    if (s.find('.') == std::string::npos) s += ".0";
    return s;
  }
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string s(buf, end);  // "1e+10" or "1.5e-05"
  size_t e = s.find('e');
  std::string mant = s.substr(0, e);
  if (mant.find('.') == std::string::npos) mant += ".0";
  int exp = std::stoi(s.substr(e + 1));
  return mant + "E" + std::to_string(exp);
}

std::string ReasonTimestamp(int64_t ms) {
  std::string s = FormatIso8601Millis(ms);  // ...Z
  s.pop_back();
  s += "+0000";
  return s;
}

}  // namespace sluice::alarms
