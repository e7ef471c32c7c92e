#include "catalog/catalog.h"

#include <algorithm>
#include <charconv>

#include "base/log.h"
#include "base/random.h"
#include "catalog/consumer_arn.h"
#include "catalog/stream_codec.h"

namespace sluice::catalog {

namespace {
// A failed metadata delete is retried after this long rather than on every call.
constexpr int64_t kSweepRetryMs = 1000;

// Past its deletion delay: gone for every reader, whether or not the sweep has removed it.
bool Gone(const Stream& s, int64_t now_ms) { return s.deleted_at_ms && *s.deleted_at_ms <= now_ms; }
}  // namespace

Catalog::Catalog(CatalogOptions options, const Clock* clock, storage::LogStore* logs, MetadataStore* meta)
    : options_(options), clock_(clock), logs_(logs), meta_(meta) {}

Catalog::Key Catalog::MakeKey(StreamKey k) {
  Key key;
  key.reserve(k.account.size() + k.region.size() + k.name.size() + 2);
  key.append(k.account).push_back('\0');
  key.append(k.region).push_back('\0');
  key.append(k.name);
  return key;
}

std::string Catalog::NotFoundMessage(std::string_view name, std::string_view account) {
  std::string m = "Stream ";
  m.append(name).append(" under account ").append(account).append(" not found.");
  return m;
}

void Catalog::SweepDeleted() {
  int64_t now = clock_->NowMillis();
  if (now < next_sweep_ms_.load(std::memory_order_relaxed)) return;
  MetadataBatch batch;
  {
    WriterMutexLock lock(&mu_);
    int64_t next = INT64_MAX;
    for (const auto& [key, s] : streams_) {
      if (Gone(*s, now)) {
        batch.delete_streams.push_back(s->uid);
        continue;
      }
      if (s->deleted_at_ms) next = std::min(next, *s->deleted_at_ms);
      CollectGoneConsumers(*s, now, &batch, &next);
    }
    // Rows go before data: a crash in between leaves orphan data, which Recover drops, never
    // a row whose data is gone.
    bool empty = batch.delete_streams.empty() && batch.put_streams.empty();
    Status st = empty ? Status::Ok() : meta_->Apply(batch);
    if (!st.ok()) {
      SLOG(kWarn, "catalog", "removing deleted streams' metadata failed; will retry", {{"error", st.ToString()}});
      next_sweep_ms_.store(std::min(next, now + kSweepRetryMs));
      return;
    }
    for (uint64_t uid : batch.delete_streams) {
      const Stream& s = *by_uid_.at(uid);
      streams_.erase(MakeKey({s.account, s.region, s.name}));
      by_uid_.erase(uid);
    }
    for (const StreamRecord& row : batch.put_streams)
      std::erase_if(by_uid_.at(row.uid)->consumers, [now](const Consumer& c) { return c.GoneAt(now); });
    next_sweep_ms_.store(next);
  }
  for (uint64_t uid : batch.delete_streams) {
    Status st = logs_->DropStream(uid);
    if (!st.ok()) SLOG(kWarn, "catalog", "dropping stream data failed", {{"error", st.ToString()}});
  }
}

AccountUsage Catalog::UsageLocked(std::string_view account, std::string_view region, int64_t now_ms) const {
  AccountUsage u;
  Key prefix = MakeKey({account, region, ""});
  for (auto it = streams_.lower_bound(prefix); it != streams_.end() && it->first.starts_with(prefix); ++it) {
    const Stream& s = *it->second;
    if (Gone(s, now_ms)) continue;
    if (s.mode == StreamMode::kOnDemand) {
      ++u.on_demand_streams;
    } else {
      u.open_provisioned_shards += s.OpenShardCount();
    }
  }
  return u;
}

AccountUsage Catalog::Usage(std::string_view account, std::string_view region) const {
  int64_t now = clock_->NowMillis();
  ReaderMutexLock lock(&mu_);
  return UsageLocked(account, region, now);
}

void Catalog::BuildShards(Stream* s, uint32_t count) {
  s->shards.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    Shard sh;
    sh.index = i;
    sh.range = model::EvenRange(i, count);
    sh.created_ms = s->created_ms;
    s->shards.push_back(std::move(sh));
  }
}

Status Catalog::OpenLogs(Stream* s) {
  for (Shard& sh : s->shards) {
    SLUICE_ASSIGN_OR_RETURN(sh.log, logs_->OpenShard({s->uid, sh.index}));
    sh.writer = std::make_shared<GatedShardLog>(sh.log, shard_events_, s->uid, sh.index);
    if (sh.is_open()) continue;
    sh.writer->SealIdle();
    // A log that lost its unsynced tail in a crash (--durability interval|none) must still end
    // where readers can reach, or they would never see the shard's end and its children.
    uint64_t tip = sh.log->Bounds().end_offset;
    if (tip < *sh.end_offset) {
      SLOG(kWarn, "catalog", "closed shard lost records past its end; ending it at its tip",
           {{"stream", s->name},
            {"shard", std::to_string(sh.index)},
            {"end_offset", std::to_string(*sh.end_offset)},
            {"tip", std::to_string(tip)}});
      sh.end_offset = tip;
    }
  }
  s->routes = BuildRoutes(*s);
  return Status::Ok();
}

std::shared_ptr<const RouteTable> Catalog::BuildRoutes(const Stream& s) {
  auto routes = std::make_shared<RouteTable>();
  for (const Shard& sh : s.shards)
    if (sh.is_open()) routes->open_shards.push_back({sh.range, sh.index, sh.writer});
  std::sort(routes->open_shards.begin(), routes->open_shards.end(),
            [](const RouteTable::Entry& a, const RouteTable::Entry& b) { return a.range.start < b.range.start; });
  return routes;
}

Status Catalog::Persist(const Stream& s) const {
  Status st = meta_->PutStream({s.uid, EncodeStream(s)});
  if (!st.ok())
    SLOG(kError, "catalog", "persisting stream metadata failed", {{"stream", s.name}, {"error", st.ToString()}});
  return st;
}

void Catalog::Attach(Stream* s, const Stream* previous) const {
  if (!attachment_factory_) return;
  if (previous && previous->attachment && previous->shards.size() == s->shards.size() &&
      previous->shard_level_metrics == s->shard_level_metrics)
    return;
  s->attachment = attachment_factory_(*s, previous ? previous->attachment.get() : nullptr);
}

Status Catalog::Recover() {
  SLUICE_ASSIGN_OR_RETURN(std::vector<StreamRecord> rows, meta_->LoadStreams());
  SLUICE_ASSIGN_OR_RETURN(std::optional<std::string> epoch, meta_->GetValue(kLastEpochKey));
  WriterMutexLock lock(&mu_);
  if (epoch.has_value()) {
    const std::string& v = *epoch;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), last_epoch_);
    if (ec != std::errc() || end != v.data() + v.size())
      return Status(Errc::kCorruption, "metadata value last_epoch is malformed: " + v);
  }
  int64_t next = INT64_MAX;
  for (const StreamRecord& row : rows) {
    auto decoded = DecodeStream(row.data);
    if (!decoded.ok())
      return Status(Errc::kCorruption, "stream " + std::to_string(row.uid) + ": " + decoded.status().message());
    auto s = std::make_shared<Stream>(std::move(decoded.value()));
    if (s->uid != row.uid || by_uid_.count(s->uid) ||
        !streams_.emplace(MakeKey({s->account, s->region, s->name}), s).second)
      return Status(Errc::kCorruption, "stream " + std::to_string(row.uid) + " is inconsistent with the catalog");
    by_uid_[s->uid] = s;
    SLUICE_RETURN_IF_ERROR(OpenLogs(s.get()));
    Attach(s.get(), nullptr);
    last_epoch_ = std::max(last_epoch_, s->epoch);
    if (s->deleted_at_ms) next = std::min(next, *s->deleted_at_ms);
    for (const Consumer& c : s->consumers) {
      if (c.deleted_at_ms) next = std::min(next, *c.deleted_at_ms);
      auto parsed = ParseConsumerArn(c.arn);
      if (parsed.ok()) {
        uint32_t& last = consumer_epochs_[s->arn + "/consumer/" + c.name];
        last = std::max<uint32_t>(last, static_cast<uint32_t>(parsed->epoch_seconds));
      }
    }
  }
  next_sweep_ms_.store(next);
  SLUICE_ASSIGN_OR_RETURN(std::vector<uint64_t> held, logs_->ListStreams());
  size_t orphans = 0;
  for (uint64_t uid : held) {
    if (by_uid_.count(uid)) continue;
    Status st = logs_->DropStream(uid);
    if (st.ok()) {
      ++orphans;
    } else {
      SLOG(kWarn, "catalog", "dropping orphan stream data failed",
           {{"uid", std::to_string(uid)}, {"error", st.ToString()}});
    }
  }
  SLOG(kInfo, "catalog", "metadata recovered",
       {{"streams", std::to_string(by_uid_.size())}, {"orphans_dropped", std::to_string(orphans)}});
  return Status::Ok();
}

Status Catalog::CreateStream(const CreateStreamSpec& spec) {
  SweepDeleted();
  int64_t now = clock_->NowMillis();
  WriterMutexLock lock(&mu_);
  Key key = MakeKey(spec.key);
  if (streams_.count(key)) {
    return Status(Errc::kInUse, "Stream " + std::string(spec.key.name) + " under account " +
                                    std::string(spec.key.account) + " already exists.");
  }
  AccountUsage usage = UsageLocked(spec.key.account, spec.key.region, now);
  uint32_t shards = spec.mode == StreamMode::kOnDemand ? options_.on_demand_initial_shards : spec.shard_count;
  if (shards > options_.max_shards_per_stream) {
    return Status(Errc::kLimitExceeded,
                  "A stream can have at most " + std::to_string(options_.max_shards_per_stream) + " shards in Sluice.");
  }
  if (spec.mode == StreamMode::kOnDemand) {
    if (usage.on_demand_streams + 1 > options_.on_demand_stream_limit) {
      return Status(Errc::kLimitExceeded,
                    OnDemandLimitMessage(spec.key.account, spec.key.region, usage.on_demand_streams));
    }
  } else if (uint64_t{usage.open_provisioned_shards} + shards > options_.shard_limit) {
    return Status(Errc::kLimitExceeded,
                  ShardLimitMessage(spec.key.account, spec.key.region, usage.open_provisioned_shards, shards));
  }
  if (options_.create_stream_delay_ms > 0) {
    uint32_t creating = 0;
    for (const auto& [k, s] : streams_)
      if (s->account == spec.key.account && s->region == spec.key.region && s->StatusAt(now) == StreamStatus::kCreating)
        ++creating;
    if (creating >= options_.max_creating_streams) {
      return Status(Errc::kLimitExceeded, "Account " + std::string(spec.key.account) + " already has " +
                                              std::to_string(creating) + " streams in CREATING state; wait and retry.");
    }
  }

  auto s = std::make_shared<Stream>();
  do { s->uid = FastRandom64() ^ (static_cast<uint64_t>(now) << 20); } while (s->uid == 0 || by_uid_.count(s->uid));
  // Creation seconds, bumped past the last one issued: a stream re-created within the same
  // second must not accept the previous incarnation's sequence numbers.
  s->epoch = std::max(static_cast<uint32_t>(now / 1000), last_epoch_ + 1);
  s->account = spec.key.account;
  s->region = spec.key.region;
  s->name = spec.key.name;
  s->arn = StreamArn(s->region, s->account, s->name);
  s->created_ms = now;
  s->active_at_ms = now + options_.create_stream_delay_ms;
  s->mode = spec.mode;
  s->max_record_size_kib = spec.max_record_size_kib;
  for (const auto& [k, v] : spec.tags) s->tags[k] = v;
  BuildShards(s.get(), shards);
  Status st = OpenLogs(s.get());
  if (st.ok()) {
    // last_epoch rides in the same transaction: a restart must never reissue an epoch.
    MetadataBatch batch;
    batch.put_streams.push_back({s->uid, EncodeStream(*s)});
    batch.put_values.emplace_back(kLastEpochKey, std::to_string(s->epoch));
    st = meta_->Apply(batch);
    if (!st.ok())
      SLOG(kError, "catalog", "persisting new stream failed", {{"stream", s->name}, {"error", st.ToString()}});
  }
  if (!st.ok()) {
    logs_->DropStream(s->uid).IgnoreError();  // nothing refers to the half-made stream yet
    return st;
  }
  last_epoch_ = s->epoch;
  Attach(s.get(), nullptr);
  by_uid_[s->uid] = s;
  streams_.emplace(std::move(key), s);
  SLOG(kInfo, "catalog", "stream created",
       {{"stream", s->name}, {"account", s->account}, {"region", s->region}, {"shards", std::to_string(shards)}});
  return Status::Ok();
}

Status Catalog::DeleteStream(StreamKey key) {
  SweepDeleted();
  int64_t now = clock_->NowMillis();
  {
    WriterMutexLock lock(&mu_);
    SLUICE_ASSIGN_OR_RETURN(Stream * found, FindLocked(key, now));
    Stream& s = *found;
    if (s.deleted_at_ms) return Status::Ok();  // already deleting: AWS accepts the repeat
    // Set only for encoding; no reader can see it before the store has it (exclusive lock).
    s.deleted_at_ms = now + options_.delete_stream_delay_ms;
    if (Status st = Persist(s); !st.ok()) {
      s.deleted_at_ms.reset();
      return st;
    }
    ScheduleSweep(*s.deleted_at_ms);
    SLOG(kInfo, "catalog", "stream deleting", {{"stream", s.name}, {"account", s.account}});
  }
  SweepDeleted();
  return Status::Ok();
}

Result<Stream*> Catalog::FindLocked(StreamKey key, int64_t now_ms) const {
  auto it = streams_.find(MakeKey(key));
  if (it == streams_.end() || Gone(*it->second, now_ms))
    return Status(Errc::kNotFound, NotFoundMessage(key.name, key.account));
  return it->second.get();
}

Status Catalog::Read(StreamKey key, const std::function<Status(const Stream&)>& fn) const {
  int64_t now = clock_->NowMillis();
  ReaderMutexLock lock(&mu_);
  SLUICE_ASSIGN_OR_RETURN(const Stream* found, FindLocked(key, now));
  return fn(*found);
}

Status Catalog::Write(StreamKey key, const std::function<Status(Stream&)>& fn) {
  SweepDeleted();
  int64_t now = clock_->NowMillis();
  WriterMutexLock lock(&mu_);
  SLUICE_ASSIGN_OR_RETURN(Stream * found, FindLocked(key, now));
  Stream& live = *found;
  Stream copy = live;
  SLUICE_RETURN_IF_ERROR(fn(copy));
  if (EncodeStream(copy) != EncodeStream(live)) SLUICE_RETURN_IF_ERROR(Persist(copy));
  Attach(&copy, &live);
  live = std::move(copy);
  return Status::Ok();
}

Status Catalog::ReadByUid(uint64_t uid, const std::function<Status(const Stream&)>& fn) const {
  int64_t now = clock_->NowMillis();
  ReaderMutexLock lock(&mu_);
  auto it = by_uid_.find(uid);
  if (it == by_uid_.end() || Gone(*it->second, now))
    return Status(Errc::kNotFound, "Stream for the shard iterator no longer exists.");
  return fn(*it->second);
}

void Catalog::ForEachStream(std::string_view account, std::string_view region,
                            const std::function<void(const Stream&)>& fn) const {
  int64_t now = clock_->NowMillis();
  ReaderMutexLock lock(&mu_);
  Key prefix = MakeKey({account, region, ""});
  for (auto it = streams_.lower_bound(prefix); it != streams_.end() && it->first.starts_with(prefix); ++it)
    if (!Gone(*it->second, now)) fn(*it->second);
}

void Catalog::ForEachStream(const std::function<void(const Stream&)>& fn) const {
  int64_t now = clock_->NowMillis();
  ReaderMutexLock lock(&mu_);
  for (const auto& [key, s] : streams_)
    if (!Gone(*s, now)) fn(*s);
}

void Catalog::EnforceRetention() {
  SweepDeleted();
  int64_t now = clock_->NowMillis();
  std::vector<std::pair<int64_t, std::shared_ptr<storage::ShardLog>>> work;
  {
    ReaderMutexLock lock(&mu_);
    for (const auto& [key, s] : streams_) {
      if (Gone(*s, now)) continue;  // its logs are being dropped
      int64_t horizon = now - int64_t{s->retention_hours} * 3600 * 1000;
      for (const Shard& sh : s->shards)
        if (sh.log) work.emplace_back(horizon, sh.log);
    }
  }
  for (auto& [horizon, log] : work) {
    Status st = log->ExpireBefore(horizon);
    if (!st.ok() && st.code() != Errc::kNotFound)
      SLOG(kWarn, "catalog", "retention pass failed for a shard", {{"error", st.ToString()}});
  }
}

}  // namespace sluice::catalog
