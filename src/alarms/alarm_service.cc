#include "alarms/alarm_service.h"

#include <simdjson.h>

#include <algorithm>

#include "alarms/alarm_math.h"
#include "alarms/notification.h"
#include "base/log.h"
#include "metrics/stat_set.h"
#include "protocol/json_writer.h"

namespace sluice::alarms {
namespace {

constexpr int64_t kPruneEveryMs = 60'000;
constexpr int64_t kMaxDescribeRecords = 100;
constexpr int64_t kDefaultDescribeRecords = 50;
constexpr int64_t kDefaultHistoryRecords = 100;
constexpr size_t kMaxTags = 50;
constexpr std::string_view kMetricAlarm = "MetricAlarm";
constexpr std::string_view kCompositeAlarm = "CompositeAlarm";

std::string HexEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}
std::optional<std::string> HexDecode(std::string_view s) {
  if (s.size() % 2) return std::nullopt;
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < s.size(); i += 2) {
    int hi = nib(s[i]), lo = nib(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

// Alarm listings page by name: the token is the last name returned, made opaque.
constexpr std::string_view kNameTokenPrefix = "a1.";
constexpr std::string_view kHistoryTokenPrefix = "h1.";

bool HasTypeFilter(const std::vector<std::string>& types, std::string_view t) {
  return types.empty() ? t == kMetricAlarm : std::find(types.begin(), types.end(), t) != types.end();
}

AlarmError CheckAlarmTypes(const std::vector<std::string>& types) {
  for (const std::string& t : types)
    if (t != kMetricAlarm && t != kCompositeAlarm)
      return InvalidValue("The parameter AlarmTypes must contain only MetricAlarm or CompositeAlarm, not '" + t + "'.");
  return AlarmError::Ok();
}

const std::vector<std::string>& ActionsFor(const AlarmConfig& c, AlarmState s) {
  switch (s) {
    case AlarmState::kOk: return c.ok_actions;
    case AlarmState::kAlarm: return c.alarm_actions;
    case AlarmState::kInsufficientData: return c.insufficient_data_actions;
  }
  return c.ok_actions;
}

std::string ConfigHistoryData(const AlarmConfig& c, bool created) {
  std::string out;
  protocol::JsonWriter w(&out);
  w.BeginObject();
  w.Field("version", "1.0");
  w.Field("type", created ? "Create" : "Update");
  w.Key(created ? "createdAlarm" : "updatedAlarm");
  w.BeginObject();
  w.Field("alarmName", c.name);
  if (!c.is_math()) {
    w.Field("metricName", c.metric_name);
    w.Field("namespace", c.ns);
    w.Field(c.statistic.empty() ? "extendedStatistic" : "statistic", c.StatisticOrExtended());
    w.FieldInt("period", c.period_s);
  }
  w.FieldInt("evaluationPeriods", c.evaluation_periods);
  w.FieldInt("datapointsToAlarm", c.M());
  w.Key("threshold");
  w.RawValue(JavaDouble(c.threshold));
  w.Field("comparisonOperator", ComparisonName(c.comparison));
  w.Field("treatMissingData", MissingDataName(c.missing()));
  w.FieldBool("actionsEnabled", c.actions_enabled);
  w.EndObject();
  w.EndObject();
  return out;
}

void WriteStateObject(protocol::JsonWriter& w, AlarmState s, const std::string& reason, const std::string& data) {
  w.BeginObject();
  w.Field("stateValue", StateName(s));
  w.Field("stateReason", reason);
  if (!data.empty()) {
    w.Key("stateReasonData");
    w.RawValue(data);
  }
  w.EndObject();
}

}  // namespace

Result<std::unique_ptr<AlarmService>> AlarmService::Open(AlarmServiceOptions options) {
  if (!options.clock || !options.metric_store)
    return Status(Errc::kInvalidArgument, "alarm service needs a clock and a metric store");
  for (const auto& [arn, url] : options.action_urls) {
    auto t = ParseHttpUrl(url);
    if (!t.ok()) return t.status();
  }
  std::unique_ptr<AlarmStore> store;
  if (options.memory) {
    store = NewNullAlarmStore();
  } else {
    SLUICE_ASSIGN_OR_RETURN(store, OpenSqliteAlarmStore(options.data_dir + "/alarms.db"));
  }
  std::unique_ptr<AlarmService> svc(new AlarmService(std::move(options), std::move(store)));
  SLUICE_RETURN_IF_ERROR(svc->Load());
  return svc;
}

AlarmService::AlarmService(AlarmServiceOptions options, std::unique_ptr<AlarmStore> store)
    : options_(std::move(options)), store_(std::move(store)) {
  WebhookOptions w = options_.webhooks;
  w.on_done = [this](const Notification& n, const Status& s) { OnActionDone(n, s); };
  notifier_ = std::make_unique<WebhookNotifier>(std::move(w));
}

AlarmService::~AlarmService() { Stop(); }

Status AlarmService::Load() {
  SLUICE_ASSIGN_OR_RETURN(std::vector<Alarm> alarms, store_->LoadAlarms());
  SLUICE_ASSIGN_OR_RETURN(std::vector<HistoryItem> history, store_->LoadHistory());
  MutexLock lock(&mu_);
  int64_t now = options_.clock->NowMillis();
  for (Alarm& a : alarms) {
    Entry e;
    e.alarm = std::move(a);
    e.next_eval_ms = now;
    e.generation = next_generation_++;
    std::string name = e.alarm.config.name;
    alarms_.emplace(std::move(name), std::move(e));
  }
  history_ = std::move(history);
  SLOG(kInfo, "alarms", "alarms loaded",
       {{"alarms", std::to_string(alarms_.size())}, {"history_items", std::to_string(history_.size())}});
  return Status::Ok();
}

void AlarmService::Start() {
  if (options_.start_notifier) notifier_->Start();
}

void AlarmService::Stop() { notifier_->Stop(); }

size_t AlarmService::alarm_count() const {
  MutexLock lock(&mu_);
  return alarms_.size();
}

std::optional<Alarm> AlarmService::GetAlarm(const std::string& name) const {
  MutexLock lock(&mu_);
  auto it = alarms_.find(name);
  if (it == alarms_.end()) return std::nullopt;
  return it->second.alarm;
}

void AlarmService::Persist(const Alarm& a) {
  Status s = store_->PutAlarm(a);
  if (!s.ok()) SLOG(kError, "alarms", "writing alarm failed", {{"alarm", a.config.name}, {"error", s.message()}});
}

void AlarmService::AddHistory(HistoryItem item) {
  Status s = store_->AppendHistory(item);
  if (!s.ok())
    SLOG(kError, "alarms", "writing alarm history failed", {{"alarm", item.alarm_name}, {"error", s.message()}});
  history_.push_back(std::move(item));
  // Keep memory bounded between prunes: an alarm flapping every 10 s adds 8640 items a day.
  size_t n = 0;
  const std::string& name = history_.back().alarm_name;
  for (const HistoryItem& h : history_)
    if (h.alarm_name == name) ++n;
  if (n > options_.history_per_alarm) {
    auto it =
        std::find_if(history_.begin(), history_.end(), [&](const HistoryItem& h) { return h.alarm_name == name; });
    history_.erase(it);
  }
}

AlarmError AlarmService::PutMetricAlarm(const PutMetricAlarmRequest& req) {
  AlarmConfig c;
  SLUICE_ALARM_RETURN_IF_ERROR(BuildAlarmConfig(req, &c));
  if (Status st = CheckAlarmExpressions(c.metrics); !st.ok()) return InvalidValue(st.message());
  for (const auto& [k, v] : req.tags)
    if (k.empty() || k.size() > 128 || v.size() > 256)
      return InvalidValue("Tag keys must be 1 to 128 characters and values at most 256 characters.");
  MutexLock lock(&mu_);
  int64_t now = options_.clock->NowMillis();
  auto it = alarms_.find(c.name);
  bool created = it == alarms_.end();
  if (created) {
    Entry e;
    e.alarm.arn = AlarmArn(options_.region, options_.account_id, c.name);
    e.alarm.state = AlarmState::kInsufficientData;
    e.alarm.state_reason = "Unchecked: Initial alarm creation";
    e.alarm.state_updated_ms = now;
    e.alarm.state_transitioned_ms = now;
    e.alarm.tags = req.tags;
    it = alarms_.emplace(c.name, std::move(e)).first;
  }
  // An update keeps the alarm's state and tags (PutMetricAlarm ignores Tags on an update).
  Entry& e = it->second;
  e.alarm.config = std::move(c);
  e.alarm.config_updated_ms = now;
  e.generation = next_generation_++;
  e.next_eval_ms = now;
  Persist(e.alarm);
  const std::string& name = e.alarm.config.name;
  AddHistory({name, now, HistoryType::kConfigurationUpdate,
              "Alarm \"" + name + "\" " + (created ? "created" : "updated"),
              ConfigHistoryData(e.alarm.config, created)});
  SLOG(kInfo, "alarms", created ? "alarm created" : "alarm updated", {{"alarm", name}});
  return AlarmError::Ok();
}

AlarmError AlarmService::DescribeAlarms(const DescribeAlarmsRequest& req, DescribeAlarmsPage* out) const {
  if (!req.alarm_names.empty() && req.alarm_name_prefix)
    return InvalidCombination("AlarmNames and AlarmNamePrefix cannot be specified together.");
  if (req.alarm_names.size() > 100) return InvalidValue("The collection AlarmNames must not have more than 100 names.");
  SLUICE_ALARM_RETURN_IF_ERROR(CheckAlarmTypes(req.alarm_types));
  std::optional<AlarmState> state;
  if (req.state_value) {
    state = ParseState(*req.state_value);
    if (!state) return InvalidValue("The parameter StateValue must be one of OK, ALARM, INSUFFICIENT_DATA.");
  }
  int64_t max = req.max_records.value_or(kDefaultDescribeRecords);
  if (max < 1 || max > kMaxDescribeRecords) return InvalidValue("The parameter MaxRecords must be 1 to 100.");
  std::string after;
  if (req.next_token) {
    std::optional<std::string> name;
    if (req.next_token->starts_with(kNameTokenPrefix))
      name = HexDecode(std::string_view(*req.next_token).substr(kNameTokenPrefix.size()));
    if (!name) return {AlarmErrorKind::kInvalidNextToken, "The service returned an invalid next token."};
    after = *name;
  }
  out->metric_alarms.clear();
  out->next_token.clear();
  if (!HasTypeFilter(req.alarm_types, kMetricAlarm)) return AlarmError::Ok();
  MutexLock lock(&mu_);
  auto it = after.empty() ? alarms_.begin() : alarms_.upper_bound(after);
  for (; it != alarms_.end(); ++it) {
    const Alarm& a = it->second.alarm;
    if (!req.alarm_names.empty() &&
        std::find(req.alarm_names.begin(), req.alarm_names.end(), a.config.name) == req.alarm_names.end())
      continue;
    if (req.alarm_name_prefix && !a.config.name.starts_with(*req.alarm_name_prefix)) continue;
    if (state && a.state != *state) continue;
    if (req.action_prefix) {
      bool match = false;
      for (const auto* list : {&a.config.ok_actions, &a.config.alarm_actions, &a.config.insufficient_data_actions})
        for (const std::string& act : *list)
          if (act.starts_with(*req.action_prefix)) match = true;
      if (!match) continue;
    }
    if (static_cast<int64_t>(out->metric_alarms.size()) == max) {
      out->next_token = std::string(kNameTokenPrefix) + HexEncode(out->metric_alarms.back().config.name);
      break;
    }
    out->metric_alarms.push_back(a);
  }
  return AlarmError::Ok();
}

AlarmError AlarmService::DescribeAlarmsForMetric(const DescribeAlarmsForMetricRequest& req,
                                                 std::vector<Alarm>* out) const {
  if (!req.metric_name) return MissingParam("The parameter MetricName is required.");
  if (!req.ns) return MissingParam("The parameter Namespace is required.");
  std::optional<metrics::Unit> unit;
  if (req.unit) {
    unit = metrics::ParseUnit(*req.unit);
    if (!unit) return InvalidValue("The parameter Unit must be a valid StandardUnit.");
  }
  metrics::MetricId want{*req.ns, *req.metric_name, req.dims};
  want.Normalize();
  out->clear();
  MutexLock lock(&mu_);
  for (const auto& [name, e] : alarms_) {
    const AlarmConfig& c = e.alarm.config;
    auto matches = [&](const metrics::MetricId& id, int64_t period, const std::string& stat,
                       const std::optional<metrics::Unit>& u) {
      if (id.ns != want.ns || id.name != want.name) return false;
      if (!req.dims.empty() && id.dims != want.dims) return false;
      if (req.period && period != *req.period) return false;
      if (req.statistic && stat != *req.statistic) return false;
      if (req.extended_statistic && stat != *req.extended_statistic) return false;
      if (unit && u != unit) return false;
      return true;
    };
    bool hit = false;
    if (c.is_math()) {
      for (const MetricQuery& q : c.metrics)
        if (q.metric_stat &&
            matches(q.metric_stat->metric, q.metric_stat->period_s, q.metric_stat->stat, q.metric_stat->unit))
          hit = true;
    } else {
      metrics::MetricId id{c.ns, c.metric_name, c.dims};
      id.Normalize();
      hit = matches(id, c.period_s, c.StatisticOrExtended(), c.unit);
    }
    if (hit) out->push_back(e.alarm);
  }
  return AlarmError::Ok();
}

AlarmError AlarmService::DescribeAlarmHistory(const DescribeAlarmHistoryRequest& req,
                                              DescribeAlarmHistoryPage* out) const {
  SLUICE_ALARM_RETURN_IF_ERROR(CheckAlarmTypes(req.alarm_types));
  std::optional<HistoryType> type;
  if (req.history_item_type) {
    type = ParseHistoryType(*req.history_item_type);
    if (!type)
      return InvalidValue("The parameter HistoryItemType must be one of ConfigurationUpdate, StateUpdate, Action.");
  }
  bool ascending = false;
  if (req.scan_by) {
    if (*req.scan_by == "TimestampAscending") ascending = true;
    else if (*req.scan_by != "TimestampDescending")
      return InvalidValue("The parameter ScanBy must be TimestampDescending or TimestampAscending.");
  }
  int64_t max = req.max_records.value_or(kDefaultHistoryRecords);
  if (max < 1 || max > kMaxDescribeRecords) return InvalidValue("The parameter MaxRecords must be 1 to 100.");
  size_t skip = 0;
  if (req.next_token) {
    bool ok = req.next_token->starts_with(kHistoryTokenPrefix);
    std::string digits = ok ? req.next_token->substr(kHistoryTokenPrefix.size()) : "";
    ok = ok && !digits.empty() && digits.size() < 10 && digits.find_first_not_of("0123456789") == std::string::npos;
    if (!ok) return {AlarmErrorKind::kInvalidNextToken, "The service returned an invalid next token."};
    skip = std::stoul(digits);
  }
  out->items.clear();
  out->next_token.clear();
  if (!HasTypeFilter(req.alarm_types, kMetricAlarm)) return AlarmError::Ok();
  MutexLock lock(&mu_);
  std::vector<const HistoryItem*> match;
  for (const HistoryItem& h : history_) {
    if (req.alarm_name && h.alarm_name != *req.alarm_name) continue;
    if (type && h.type != *type) continue;
    if (req.start_ms && h.timestamp_ms < *req.start_ms) continue;
    if (req.end_ms && h.timestamp_ms > *req.end_ms) continue;
    match.push_back(&h);
  }
  // history_ is in insertion order, which is timestamp order.
  if (!ascending) std::reverse(match.begin(), match.end());
  for (size_t i = skip; i < match.size(); ++i) {
    if (static_cast<int64_t>(out->items.size()) == max) {
      out->next_token = std::string(kHistoryTokenPrefix) + std::to_string(i);
      break;
    }
    out->items.push_back(*match[i]);
  }
  return AlarmError::Ok();
}

AlarmError AlarmService::DeleteAlarms(const std::vector<std::string>& names) {
  if (names.size() > 100) return InvalidValue("The collection AlarmNames must not have more than 100 names.");
  MutexLock lock(&mu_);
  // All or nothing: one unknown name and no alarm is deleted.
  for (const std::string& n : names)
    if (!alarms_.contains(n)) return {AlarmErrorKind::kResourceNotFound, "Alarm " + n + " does not exist."};
  for (const std::string& n : names) {
    alarms_.erase(n);
    Status s = store_->DeleteAlarm(n);
    if (!s.ok()) SLOG(kError, "alarms", "deleting alarm failed", {{"alarm", n}, {"error", s.message()}});
    SLOG(kInfo, "alarms", "alarm deleted", {{"alarm", n}});
  }
  return AlarmError::Ok();
}

AlarmError AlarmService::SetAlarmState(const std::string& name, const std::string& state, const std::string& reason,
                                       const std::optional<std::string>& reason_data) {
  auto to = ParseState(state);
  if (!to) return InvalidValue("The parameter StateValue must be one of OK, ALARM, INSUFFICIENT_DATA.");
  if (reason.size() > 1023) return InvalidValue("The parameter StateReason must be at most 1023 characters.");
  std::string data;
  if (reason_data) {
    if (reason_data->size() > 4000)
      return InvalidValue("The parameter StateReasonData must be at most 4000 characters.");
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(*reason_data).get(root) != simdjson::SUCCESS || !root.is_object())
      return {AlarmErrorKind::kInvalidFormat, "StateReasonData is not a valid JSON object."};
    data = *reason_data;
  }
  MutexLock lock(&mu_);
  auto it = alarms_.find(name);
  if (it == alarms_.end()) return {AlarmErrorKind::kResourceNotFound, "Alarm " + name + " does not exist."};
  ChangeState(it->second, *to, reason, data, options_.clock->NowMillis());
  return AlarmError::Ok();
}

AlarmError AlarmService::SetActionsEnabled(const std::vector<std::string>& names, bool enabled) {
  if (names.size() > 100) return InvalidValue("The collection AlarmNames must not have more than 100 names.");
  MutexLock lock(&mu_);
  int64_t now = options_.clock->NowMillis();
  for (const std::string& n : names) {
    auto it = alarms_.find(n);
    if (it == alarms_.end()) continue;  // CloudWatch ignores unknown names here
    Alarm& a = it->second.alarm;
    if (a.config.actions_enabled == enabled) continue;
    a.config.actions_enabled = enabled;
    a.config_updated_ms = now;
    Persist(a);
    AddHistory({n, now, HistoryType::kConfigurationUpdate,
                "Alarm \"" + n + "\" updated (actions " + (enabled ? "enabled" : "disabled") + ")",
                ConfigHistoryData(a.config, false)});
  }
  return AlarmError::Ok();
}

std::optional<std::string> AlarmService::ResolveTagArn(const std::string& arn, AlarmError* err) const {
  auto name = AlarmNameFromArn(arn);
  if (!name) {
    *err = InvalidValue("Invalid ARN: " + arn + " is not a CloudWatch alarm ARN.");
    return std::nullopt;
  }
  auto it = alarms_.find(*name);
  if (it == alarms_.end() || it->second.alarm.arn != arn) {
    *err = {AlarmErrorKind::kResourceNotFoundTagging, "Alarm " + *name + " does not exist."};
    return std::nullopt;
  }
  return name;
}

AlarmError AlarmService::TagResource(const std::string& arn, const Tags& tags) {
  for (const auto& [k, v] : tags) {
    if (k.empty() || k.size() > 128 || v.size() > 256)
      return InvalidValue("Tag keys must be 1 to 128 characters and values at most 256 characters.");
    if (k.starts_with("aws:")) return InvalidValue("Tag keys starting with aws: are reserved.");
  }
  MutexLock lock(&mu_);
  AlarmError err;
  auto name = ResolveTagArn(arn, &err);
  if (!name) return err;
  Alarm& a = alarms_.at(*name).alarm;
  Tags merged = a.tags;
  for (const auto& tag : tags) {
    auto t = std::find_if(merged.begin(), merged.end(), [&](const auto& p) { return p.first == tag.first; });
    if (t != merged.end()) t->second = tag.second;
    else merged.push_back(tag);
  }
  if (merged.size() > kMaxTags) return InvalidValue("An alarm can have at most 50 tags.");
  a.tags = std::move(merged);
  Persist(a);
  return AlarmError::Ok();
}

AlarmError AlarmService::UntagResource(const std::string& arn, const std::vector<std::string>& keys) {
  MutexLock lock(&mu_);
  AlarmError err;
  auto name = ResolveTagArn(arn, &err);
  if (!name) return err;
  Alarm& a = alarms_.at(*name).alarm;
  std::erase_if(a.tags, [&](const auto& p) { return std::find(keys.begin(), keys.end(), p.first) != keys.end(); });
  Persist(a);
  return AlarmError::Ok();
}

AlarmError AlarmService::ListTagsForResource(const std::string& arn, Tags* out) const {
  MutexLock lock(&mu_);
  AlarmError err;
  auto name = ResolveTagArn(arn, &err);
  if (!name) return err;
  *out = alarms_.at(*name).alarm.tags;
  return AlarmError::Ok();
}

void AlarmService::ChangeState(Entry& e, AlarmState to, std::string reason, std::string reason_data, int64_t now) {
  Alarm& a = e.alarm;
  AlarmState from = a.state;
  std::string old_reason = a.state_reason;
  std::string old_data = a.state_reason_data;
  a.state = to;
  a.state_reason = std::move(reason);
  a.state_reason_data = std::move(reason_data);
  a.state_updated_ms = now;
  if (from != to) a.state_transitioned_ms = now;
  Persist(a);
  std::string data;
  {
    protocol::JsonWriter w(&data);
    w.BeginObject();
    w.Field("version", "1.0");
    w.Key("oldState");
    WriteStateObject(w, from, old_reason, old_data);
    w.Key("newState");
    WriteStateObject(w, to, a.state_reason, a.state_reason_data);
    w.EndObject();
  }
  const std::string& name = a.config.name;
  AddHistory({name, now, HistoryType::kStateUpdate,
              "Alarm updated from " + std::string(StateName(from)) + " to " + std::string(StateName(to)), data});
  SLOG(kInfo, "alarms", "alarm state change",
       {{"alarm", name},
        {"from", std::string(StateName(from))},
        {"to", std::string(StateName(to))},
        {"reason", a.state_reason}});
  if (from == to || !a.config.actions_enabled) return;
  for (const std::string& arn : ActionsFor(a.config, to)) {
    auto url = options_.action_urls.find(arn);
    if (url == options_.action_urls.end()) {
      AddHistory({name, now, HistoryType::kAction,
                  "Failed to execute action " + arn + ". Received error: no webhook is configured for this action",
                  "{\"actionState\":\"Failed\",\"notificationResource\":" +
                      [&] {
                        std::string s;
                        protocol::JsonWriter w(&s);
                        w.String(arn);
                        return s;
                      }() +
                      ",\"error\":\"no --alarm-action webhook for this ARN\"}"});
      SLOG(kWarn, "alarms", "no webhook for alarm action", {{"alarm", name}, {"action", arn}});
      continue;
    }
    NotificationContext ctx{options_.region, options_.account_id, now};
    Notification n;
    n.alarm_name = name;
    n.action_arn = arn;
    n.url = url->second;
    BuildSnsNotification(a, from, ctx, &n);
    notifier_->Enqueue(std::move(n));
  }
}

void AlarmService::OnActionDone(const Notification& n, const Status& s) {
  MutexLock lock(&mu_);
  int64_t now = options_.clock->NowMillis();
  std::string data;
  protocol::JsonWriter w(&data);
  w.BeginObject();
  w.Field("actionState", s.ok() ? "Succeeded" : "Failed");
  w.Field("notificationResource", n.action_arn);
  w.Field("webhook", n.url);
  if (!s.ok()) w.Field("error", s.message());
  w.EndObject();
  AddHistory({n.alarm_name, now, HistoryType::kAction,
              s.ok() ? "Successfully executed action " + n.action_arn
                     : "Failed to execute action " + n.action_arn + ". Received error: " + s.message(),
              data});
}

Result<std::vector<PeriodValue>> AlarmService::ReadRange(const AlarmConfig& c, int64_t end_ms, int periods) const {
  int64_t period_s = c.EvaluationPeriodSeconds();
  int64_t period_ms = period_s * 1000;
  int64_t start_ms = end_ms - period_ms * periods;
  std::vector<PeriodValue> out(static_cast<size_t>(periods));
  const MetricStat* stat = nullptr;
  MetricStat single;
  if (!c.is_math()) {
    single.metric = metrics::MetricId{c.ns, c.metric_name, c.dims};
    single.metric.Normalize();
    single.period_s = c.period_s;
    single.stat = c.StatisticOrExtended();
    single.unit = c.unit;
    stat = &single;
  } else {
    for (const MetricQuery& q : c.metrics)
      if (q.return_data && q.metric_stat) stat = &*q.metric_stat;
  }
  if (stat) {
    SLUICE_ASSIGN_OR_RETURN(std::vector<metrics::Datapoint> dps,
                            options_.metric_store->Query(stat->metric, start_ms, end_ms, period_s, stat->unit));
    for (const metrics::Datapoint& dp : dps) {
      int64_t idx = (dp.timestamp_ms - start_ms) / period_ms;
      if (idx < 0 || idx >= periods) continue;
      std::optional<double> v = metrics::EvaluateStatistic(dp.stats, stat->stat);
      if (!v) continue;
      out[static_cast<size_t>(idx)] = {v, dp.stats.sample_count};
    }
    return out;
  }
  std::vector<std::optional<double>> values;
  if (options_.math) {
    SLUICE_ASSIGN_OR_RETURN(values, options_.math(c.metrics, start_ms, end_ms, period_s));
  } else {
    SLUICE_ASSIGN_OR_RETURN(values, EvaluateAlarmMath(*options_.metric_store, c.metrics, start_ms, end_ms, period_s));
  }
  for (size_t i = 0; i < values.size() && i < out.size(); ++i)
    if (values[i]) out[i] = {values[i], 1};
  return out;
}

Status AlarmService::Tick() {
  int64_t now = options_.clock->NowMillis();
  std::vector<Due> due;
  {
    MutexLock lock(&mu_);
    for (auto& [name, e] : alarms_) {
      if (now < e.next_eval_ms) continue;
      int64_t p = e.alarm.config.EvaluationPeriodSeconds() * 1000;
      if (p <= 0) continue;
      int64_t end = now / p * p;
      e.next_eval_ms = end + p;
      due.push_back({e.alarm.config, e.alarm.state, e.generation, end});
    }
  }
  for (const Due& d : due) {
    int range = EvaluationRangePeriods(d.config.evaluation_periods);
    auto values = ReadRange(d.config, d.end_ms, range);
    if (!values.ok()) {
      SLOG(kWarn, "alarms", "alarm evaluation failed",
           {{"alarm", d.config.name}, {"error", values.status().message()}});
      continue;
    }
    MutexLock lock(&mu_);
    auto it = alarms_.find(d.config.name);
    if (it == alarms_.end() || it->second.generation != d.generation) continue;  // changed meanwhile
    EvaluationInput in;
    in.config = &it->second.alarm.config;
    in.current = it->second.alarm.state;
    in.query_ms = now;
    in.end_ms = d.end_ms;
    in.period_ms = d.config.EvaluationPeriodSeconds() * 1000;
    in.periods = std::move(values).value();
    EvaluationResult r = Evaluate(in);
    if (r.keep_state || r.state == in.current) continue;
    ChangeState(it->second, r.state, std::move(r.reason), std::move(r.reason_data), now);
  }
  MutexLock lock(&mu_);
  if (now - last_prune_ms_ >= kPruneEveryMs) {
    last_prune_ms_ = now;
    int64_t before = now - options_.history_retention_ms;
    std::erase_if(history_, [&](const HistoryItem& h) { return h.timestamp_ms < before; });
    return store_->PruneHistory(before, options_.history_per_alarm);
  }
  return Status::Ok();
}

}  // namespace sluice::alarms
