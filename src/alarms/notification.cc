#include "alarms/notification.h"

#include <cctype>
#include <string_view>
#include <utility>

#include "base/random.h"
#include "base/time_format.h"
#include "protocol/json_writer.h"

namespace sluice::alarms {
namespace {

constexpr std::pair<std::string_view, std::string_view> kRegions[] = {
    {"us-east-1", "US East (N. Virginia)"},
    {"us-east-2", "US East (Ohio)"},
    {"us-west-1", "US West (N. California)"},
    {"us-west-2", "US West (Oregon)"},
    {"eu-west-1", "EU (Ireland)"},
    {"eu-west-2", "EU (London)"},
    {"eu-west-3", "EU (Paris)"},
    {"eu-central-1", "EU (Frankfurt)"},
    {"eu-north-1", "EU (Stockholm)"},
    {"ap-northeast-1", "Asia Pacific (Tokyo)"},
    {"ap-northeast-2", "Asia Pacific (Seoul)"},
    {"ap-southeast-1", "Asia Pacific (Singapore)"},
    {"ap-southeast-2", "Asia Pacific (Sydney)"},
    {"ap-south-1", "Asia Pacific (Mumbai)"},
    {"ca-central-1", "Canada (Central)"},
    {"sa-east-1", "South America (Sao Paulo)"},
};

void WriteStrings(protocol::JsonWriter& w, std::string_view key, const std::vector<std::string>& v) {
  w.Key(key);
  w.BeginArray();
  for (const auto& s : v) w.String(s);
  w.EndArray();
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

void WriteDims(protocol::JsonWriter& w, const std::vector<metrics::Dimension>& dims) {
  w.Key("Dimensions");
  w.BeginArray();
  for (const auto& d : dims) {
    w.BeginObject();
    w.Field("value", d.value);
    w.Field("name", d.name);
    w.EndObject();
  }
  w.EndArray();
}

void WriteTrigger(protocol::JsonWriter& w, const AlarmConfig& c) {
  w.Key("Trigger");
  w.BeginObject();
  if (!c.is_math()) {
    w.Field("MetricName", c.metric_name);
    w.Field("Namespace", c.ns);
    if (!c.statistic.empty()) {
      w.Field("StatisticType", "Statistic");
      w.Field("Statistic", Upper(c.statistic == "SampleCount" ? "SAMPLE_COUNT" : c.statistic));
    } else {
      w.Field("StatisticType", "ExtendedStatistic");
      w.Field("ExtendedStatistic", c.extended_statistic);
    }
    w.Key("Unit");
    if (c.unit) w.String(metrics::UnitName(*c.unit));
    else w.Null();
    WriteDims(w, c.dims);
    w.FieldInt("Period", c.period_s);
  } else {
    w.Key("Metrics");
    w.BeginArray();
    for (const MetricQuery& q : c.metrics) {
      w.BeginObject();
      w.Field("Id", q.id);
      if (!q.expression.empty()) w.Field("Expression", q.expression);
      if (!q.label.empty()) w.Field("Label", q.label);
      w.FieldBool("ReturnData", q.return_data);
      if (q.metric_stat) {
        w.Key("MetricStat");
        w.BeginObject();
        w.Key("Metric");
        w.BeginObject();
        WriteDims(w, q.metric_stat->metric.dims);
        w.Field("MetricName", q.metric_stat->metric.name);
        w.Field("Namespace", q.metric_stat->metric.ns);
        w.EndObject();
        w.FieldInt("Period", q.metric_stat->period_s);
        w.Field("Stat", q.metric_stat->stat);
        w.EndObject();
      }
      w.EndObject();
    }
    w.EndArray();
    w.FieldInt("Period", c.EvaluationPeriodSeconds());
  }
  w.FieldInt("EvaluationPeriods", c.evaluation_periods);
  w.FieldInt("DatapointsToAlarm", c.M());
  w.Field("ComparisonOperator", ComparisonName(c.comparison));
  w.Key("Threshold");
  w.RawValue(JavaDouble(c.threshold));
  w.Field("TreatMissingData", MissingDataName(c.missing()));
  w.Field("EvaluateLowSampleCountPercentile", c.evaluate_low_sample_count_percentile);
  w.EndObject();
}

}  // namespace

std::string RegionLongName(const std::string& region) {
  for (const auto& [code, name] : kRegions)
    if (code == region) return std::string(name);
  return region;
}

std::string AlarmMessageJson(const Alarm& a, AlarmState old_state, const NotificationContext& ctx) {
  const AlarmConfig& c = a.config;
  std::string out;
  protocol::JsonWriter w(&out);
  w.BeginObject();
  w.Field("AlarmName", c.name);
  w.Key("AlarmDescription");
  if (c.description.empty()) w.Null();
  else w.String(c.description);
  w.Field("AWSAccountId", ctx.account_id);
  w.Field("AlarmConfigurationUpdatedTimestamp", ReasonTimestamp(a.config_updated_ms));
  w.Field("NewStateValue", StateName(a.state));
  w.Field("NewStateReason", a.state_reason);
  w.Field("StateChangeTime", ReasonTimestamp(a.state_updated_ms));
  w.Field("Region", RegionLongName(ctx.region));
  w.Field("AlarmArn", a.arn);
  w.Field("OldStateValue", StateName(old_state));
  WriteStrings(w, "OKActions", c.ok_actions);
  WriteStrings(w, "AlarmActions", c.alarm_actions);
  WriteStrings(w, "InsufficientDataActions", c.insufficient_data_actions);
  WriteTrigger(w, c);
  w.EndObject();
  return out;
}

void BuildSnsNotification(const Alarm& a, AlarmState old_state, const NotificationContext& ctx, Notification* n) {
  std::string message = AlarmMessageJson(a, old_state, ctx);
  std::string id = NewUuid();
  std::string subject =
      std::string(StateName(a.state)) + ": \"" + a.config.name + "\" in " + RegionLongName(ctx.region);
  if (subject.size() > 100) subject.resize(100);
  std::string body;
  protocol::JsonWriter w(&body);
  w.BeginObject();
  w.Field("Type", "Notification");
  w.Field("MessageId", id);
  w.Field("TopicArn", n->action_arn);
  w.Field("Subject", subject);
  w.Field("Message", message);
  w.Field("Timestamp", FormatIso8601Millis(ctx.now_ms));
  w.Field("SignatureVersion", "1");
  w.Field("Signature", "");
  w.Field("SigningCertURL", "");
  w.Field("UnsubscribeURL", "");
  w.EndObject();
  n->body = std::move(body);
  n->headers = {{"Content-Type", "text/plain; charset=UTF-8"},
                {"x-amz-sns-message-type", "Notification"},
                {"x-amz-sns-message-id", id},
                {"x-amz-sns-topic-arn", n->action_arn}};
}

}  // namespace sluice::alarms
