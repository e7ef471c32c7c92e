// Alarms as JSON for the store: every member of the configuration and the state, by name, so a
// row written by one version reads in the next.
#include <simdjson.h>

#include <cstring>

#include "alarms/alarm_store.h"
#include "protocol/json_writer.h"

namespace sluice::alarms {
namespace {

using protocol::JsonWriter;

void WriteStrings(JsonWriter& w, std::string_view key, const std::vector<std::string>& v) {
  w.Key(key);
  w.BeginArray();
  for (const auto& s : v) w.String(s);
  w.EndArray();
}
void WriteDims(JsonWriter& w, const std::vector<metrics::Dimension>& dims) {
  w.Key("dims");
  w.BeginArray();
  for (const auto& d : dims) {
    w.BeginArray();
    w.String(d.name);
    w.String(d.value);
    w.EndArray();
  }
  w.EndArray();
}
void WriteDouble(JsonWriter& w, std::string_view key, double v) {
  // Exact round trip: the bit pattern as an integer.
  int64_t bits;
  static_assert(sizeof bits == sizeof v);
  std::memcpy(&bits, &v, sizeof v);
  w.FieldInt(key, bits);
}

using simdjson::dom::element;

Status Bad(std::string_view what) { return Status(Errc::kCorruption, "alarm record: bad " + std::string(what)); }

std::string Str(element e, const char* key) {
  std::string_view s;
  if (e[key].get(s) != simdjson::SUCCESS) return "";
  return std::string(s);
}
int64_t Int(element e, const char* key, int64_t def = 0) {
  int64_t v;
  if (e[key].get(v) != simdjson::SUCCESS) return def;
  return v;
}
bool Has(element e, const char* key) { return e[key].error() == simdjson::SUCCESS; }
double Dbl(element e, const char* key) {
  int64_t bits = Int(e, key);
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}
std::vector<std::string> Strings(element e, const char* key) {
  std::vector<std::string> out;
  simdjson::dom::array a;
  if (e[key].get(a) != simdjson::SUCCESS) return out;
  for (element x : a) {
    std::string_view s;
    if (x.get(s) == simdjson::SUCCESS) out.emplace_back(s);
  }
  return out;
}
std::vector<metrics::Dimension> Dims(element e) {
  std::vector<metrics::Dimension> out;
  simdjson::dom::array a;
  if (e["dims"].get(a) != simdjson::SUCCESS) return out;
  for (element x : a) {
    std::string_view n, v;
    if (x.at(0).get(n) == simdjson::SUCCESS && x.at(1).get(v) == simdjson::SUCCESS)
      out.push_back({std::string(n), std::string(v)});
  }
  return out;
}

}  // namespace

std::string EncodeAlarm(const Alarm& a) {
  const AlarmConfig& c = a.config;
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Field("name", c.name);
  w.Field("description", c.description);
  w.FieldBool("actions_enabled", c.actions_enabled);
  WriteStrings(w, "ok_actions", c.ok_actions);
  WriteStrings(w, "alarm_actions", c.alarm_actions);
  WriteStrings(w, "insufficient_data_actions", c.insufficient_data_actions);
  w.Field("metric_name", c.metric_name);
  w.Field("ns", c.ns);
  WriteDims(w, c.dims);
  w.Field("statistic", c.statistic);
  w.Field("extended_statistic", c.extended_statistic);
  w.FieldInt("period", c.period_s);
  if (c.unit) w.Field("unit", metrics::UnitName(*c.unit));
  w.FieldInt("evaluation_periods", c.evaluation_periods);
  if (c.datapoints_to_alarm) w.FieldInt("datapoints_to_alarm", *c.datapoints_to_alarm);
  WriteDouble(w, "threshold_bits", c.threshold);
  w.Field("comparison", ComparisonName(c.comparison));
  if (c.treat_missing_data) w.Field("treat_missing_data", MissingDataName(*c.treat_missing_data));
  w.Field("evaluate_low_sample_count_percentile", c.evaluate_low_sample_count_percentile);
  w.Key("metrics");
  w.BeginArray();
  for (const MetricQuery& q : c.metrics) {
    w.BeginObject();
    w.Field("id", q.id);
    w.Field("expression", q.expression);
    w.Field("label", q.label);
    w.FieldBool("return_data", q.return_data);
    if (q.period_s) w.FieldInt("period", *q.period_s);
    w.Field("account_id", q.account_id);
    if (q.metric_stat) {
      w.Key("metric_stat");
      w.BeginObject();
      w.Field("ns", q.metric_stat->metric.ns);
      w.Field("metric_name", q.metric_stat->metric.name);
      WriteDims(w, q.metric_stat->metric.dims);
      w.FieldInt("period", q.metric_stat->period_s);
      w.Field("stat", q.metric_stat->stat);
      if (q.metric_stat->unit) w.Field("unit", metrics::UnitName(*q.metric_stat->unit));
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndArray();
  w.Field("arn", a.arn);
  w.Field("state", StateName(a.state));
  w.Field("state_reason", a.state_reason);
  w.Field("state_reason_data", a.state_reason_data);
  w.FieldInt("state_updated_ms", a.state_updated_ms);
  w.FieldInt("state_transitioned_ms", a.state_transitioned_ms);
  w.FieldInt("config_updated_ms", a.config_updated_ms);
  w.Key("tags");
  w.BeginArray();
  for (const auto& [k, v] : a.tags) {
    w.BeginArray();
    w.String(k);
    w.String(v);
    w.EndArray();
  }
  w.EndArray();
  w.EndObject();
  return out;
}

Result<Alarm> DecodeAlarm(std::string_view json) {
  simdjson::dom::parser parser;
  element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) return Bad("JSON");
  Alarm a;
  AlarmConfig& c = a.config;
  c.name = Str(root, "name");
  if (c.name.empty()) return Bad("name");
  c.description = Str(root, "description");
  bool b = true;
  if (root["actions_enabled"].get(b) == simdjson::SUCCESS) c.actions_enabled = b;
  c.ok_actions = Strings(root, "ok_actions");
  c.alarm_actions = Strings(root, "alarm_actions");
  c.insufficient_data_actions = Strings(root, "insufficient_data_actions");
  c.metric_name = Str(root, "metric_name");
  c.ns = Str(root, "ns");
  c.dims = Dims(root);
  c.statistic = Str(root, "statistic");
  c.extended_statistic = Str(root, "extended_statistic");
  c.period_s = Int(root, "period");
  if (Has(root, "unit")) c.unit = metrics::ParseUnit(Str(root, "unit"));
  c.evaluation_periods = static_cast<int>(Int(root, "evaluation_periods", 1));
  if (Has(root, "datapoints_to_alarm")) c.datapoints_to_alarm = static_cast<int>(Int(root, "datapoints_to_alarm"));
  c.threshold = Dbl(root, "threshold_bits");
  auto cmp = ParseComparison(Str(root, "comparison"));
  if (!cmp) return Bad("comparison");
  c.comparison = *cmp;
  if (Has(root, "treat_missing_data")) c.treat_missing_data = ParseMissingData(Str(root, "treat_missing_data"));
  c.evaluate_low_sample_count_percentile = Str(root, "evaluate_low_sample_count_percentile");
  simdjson::dom::array qs;
  if (root["metrics"].get(qs) == simdjson::SUCCESS) {
    for (element qe : qs) {
      MetricQuery q;
      q.id = Str(qe, "id");
      q.expression = Str(qe, "expression");
      q.label = Str(qe, "label");
      bool rd = true;
      if (qe["return_data"].get(rd) == simdjson::SUCCESS) q.return_data = rd;
      if (Has(qe, "period")) q.period_s = Int(qe, "period");
      q.account_id = Str(qe, "account_id");
      element ms;
      if (qe["metric_stat"].get(ms) == simdjson::SUCCESS) {
        MetricStat st;
        st.metric.ns = Str(ms, "ns");
        st.metric.name = Str(ms, "metric_name");
        st.metric.dims = Dims(ms);
        st.period_s = Int(ms, "period");
        st.stat = Str(ms, "stat");
        if (Has(ms, "unit")) st.unit = metrics::ParseUnit(Str(ms, "unit"));
        q.metric_stat = std::move(st);
      }
      c.metrics.push_back(std::move(q));
    }
  }
  a.arn = Str(root, "arn");
  auto st = ParseState(Str(root, "state"));
  if (!st) return Bad("state");
  a.state = *st;
  a.state_reason = Str(root, "state_reason");
  a.state_reason_data = Str(root, "state_reason_data");
  a.state_updated_ms = Int(root, "state_updated_ms");
  a.state_transitioned_ms = Int(root, "state_transitioned_ms");
  a.config_updated_ms = Int(root, "config_updated_ms");
  simdjson::dom::array tags;
  if (root["tags"].get(tags) == simdjson::SUCCESS) {
    for (element t : tags) {
      std::string_view k, v;
      if (t.at(0).get(k) == simdjson::SUCCESS && t.at(1).get(v) == simdjson::SUCCESS)
        a.tags.emplace_back(std::string(k), std::string(v));
    }
  }
  return a;
}

}  // namespace sluice::alarms
