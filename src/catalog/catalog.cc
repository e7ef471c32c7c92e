#include "catalog/catalog.h"

#include <algorithm>
#include <mutex>

#include "base/log.h"
#include "base/random.h"

namespace sluice::catalog {

Catalog::Catalog(CatalogOptions options, const Clock* clock, storage::LogStore* logs)
    : options_(options), clock_(clock), logs_(logs) {}

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

void Catalog::SweepDeleted() const {
  int64_t now = clock_->NowMillis();
  if (now < next_sweep_ms_.load(std::memory_order_relaxed)) return;
  std::vector<uint64_t> dropped;
  {
    std::unique_lock lock(mu_);
    int64_t next = INT64_MAX;
    for (auto it = streams_.begin(); it != streams_.end();) {
      const Stream& s = *it->second;
      if (s.deleted_at_ms && *s.deleted_at_ms <= now) {
        dropped.push_back(s.uid);
        by_uid_.erase(s.uid);
        it = streams_.erase(it);
        continue;
      }
      if (s.deleted_at_ms) next = std::min(next, *s.deleted_at_ms);
      ++it;
    }
    next_sweep_ms_.store(next);
  }
  for (uint64_t uid : dropped) {
    Status st = logs_->DropStream(uid);
    if (!st.ok()) SLOG(kWarn, "catalog", "dropping stream data failed", {{"error", st.ToString()}});
  }
}

AccountUsage Catalog::UsageLocked(std::string_view account, std::string_view region) const {
  AccountUsage u;
  Key prefix = MakeKey({account, region, ""});
  for (auto it = streams_.lower_bound(prefix); it != streams_.end() && it->first.starts_with(prefix); ++it) {
    const Stream& s = *it->second;
    if (s.mode == StreamMode::kOnDemand) {
      ++u.on_demand_streams;
    } else {
      u.open_provisioned_shards += s.OpenShardCount();
    }
  }
  return u;
}

AccountUsage Catalog::Usage(std::string_view account, std::string_view region) const {
  SweepDeleted();
  std::shared_lock lock(mu_);
  return UsageLocked(account, region);
}

Status Catalog::BuildShards(Stream* s, uint32_t count) {
  auto routes = std::make_shared<RouteTable>();
  s->shards.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    auto log = logs_->OpenShard({s->uid, i});
    if (!log.ok()) return log.status();
    Shard sh;
    sh.index = i;
    sh.range = model::EvenRange(i, count);
    sh.created_ms = s->created_ms;
    sh.log = std::move(log.value());
    routes->open_shards.push_back({sh.range, i, sh.log});
    s->shards.push_back(std::move(sh));
  }
  s->routes = std::move(routes);
  return Status::Ok();
}

Status Catalog::CreateStream(const CreateStreamSpec& spec) {
  SweepDeleted();
  int64_t now = clock_->NowMillis();
  std::unique_lock lock(mu_);
  Key key = MakeKey(spec.key);
  if (streams_.count(key)) {
    return Status(Errc::kInUse, "Stream " + std::string(spec.key.name) + " under account " +
                                    std::string(spec.key.account) + " already exists.");
  }
  AccountUsage usage = UsageLocked(spec.key.account, spec.key.region);
  uint32_t shards = spec.mode == StreamMode::kOnDemand ? options_.on_demand_initial_shards : spec.shard_count;
  if (shards > options_.max_shards_per_stream) {
    return Status(Errc::kLimitExceeded, "A stream can have at most " + std::to_string(options_.max_shards_per_stream) +
                                            " shards in Sluice.");
  }
  if (spec.mode == StreamMode::kOnDemand) {
    if (usage.on_demand_streams + 1 > options_.on_demand_stream_limit) {
      return Status(Errc::kLimitExceeded,
                    "This request would exceed the on-demand stream count limit for the account " +
                        std::string(spec.key.account) + " in " + std::string(spec.key.region) +
                        ". Current on-demand stream count: " + std::to_string(usage.on_demand_streams) +
                        ". Limit: " + std::to_string(options_.on_demand_stream_limit) + ".");
    }
  } else if (uint64_t{usage.open_provisioned_shards} + shards > options_.shard_limit) {
    return Status(Errc::kLimitExceeded,
                  "This request would exceed the shard limit for the account " + std::string(spec.key.account) +
                      " in " + std::string(spec.key.region) + ". Current shard count for the account: " +
                      std::to_string(usage.open_provisioned_shards) + ". Limit: " +
                      std::to_string(options_.shard_limit) +
                      ". Number of additional shards that would have resulted from this request: " +
                      std::to_string(shards) + ".");
  }
  if (options_.create_stream_delay_ms > 0) {
    uint32_t creating = 0;
    for (const auto& [k, s] : streams_)
      if (s->account == spec.key.account && s->region == spec.key.region &&
          s->StatusAt(now) == StreamStatus::kCreating)
        ++creating;
    if (creating >= options_.max_creating_streams) {
      return Status(Errc::kLimitExceeded, "Account " + std::string(spec.key.account) +
                                              " already has " + std::to_string(creating) +
                                              " streams in CREATING state; wait and retry.");
    }
  }

  auto s = std::make_shared<Stream>();
  do {
    s->uid = FastRandom64() ^ (static_cast<uint64_t>(now) << 20);
  } while (s->uid == 0 || by_uid_.count(s->uid));
  // Creation seconds, bumped past the last one issued: a stream re-created within the same
  // second must not accept the previous incarnation's sequence numbers.
  s->epoch = std::max(static_cast<uint32_t>(now / 1000), last_epoch_ + 1);
  last_epoch_ = s->epoch;
  s->account = spec.key.account;
  s->region = spec.key.region;
  s->name = spec.key.name;
  s->arn = StreamArn(s->region, s->account, s->name);
  s->created_ms = now;
  s->active_at_ms = now + options_.create_stream_delay_ms;
  s->mode = spec.mode;
  s->max_record_size_kib = spec.max_record_size_kib;
  for (const auto& [k, v] : spec.tags) s->tags[k] = v;
  SLUICE_RETURN_IF_ERROR(BuildShards(s.get(), shards));
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
    std::unique_lock lock(mu_);
    auto it = streams_.find(MakeKey(key));
    if (it == streams_.end()) return Status(Errc::kNotFound, NotFoundMessage(key.name, key.account));
    Stream& s = *it->second;
    if (s.deleted_at_ms) return Status::Ok();  // already deleting: AWS accepts the repeat
    s.deleted_at_ms = now + options_.delete_stream_delay_ms;
    int64_t next = std::min(next_sweep_ms_.load(), *s.deleted_at_ms);
    next_sweep_ms_.store(next);
    SLOG(kInfo, "catalog", "stream deleting", {{"stream", s.name}, {"account", s.account}});
  }
  SweepDeleted();
  return Status::Ok();
}

Status Catalog::Read(StreamKey key, const std::function<Status(const Stream&)>& fn) const {
  SweepDeleted();
  std::shared_lock lock(mu_);
  auto it = streams_.find(MakeKey(key));
  if (it == streams_.end()) return Status(Errc::kNotFound, NotFoundMessage(key.name, key.account));
  return fn(*it->second);
}

Status Catalog::Write(StreamKey key, const std::function<Status(Stream&)>& fn) {
  SweepDeleted();
  std::unique_lock lock(mu_);
  auto it = streams_.find(MakeKey(key));
  if (it == streams_.end()) return Status(Errc::kNotFound, NotFoundMessage(key.name, key.account));
  return fn(*it->second);
}

Status Catalog::ReadByUid(uint64_t uid, const std::function<Status(const Stream&)>& fn) const {
  SweepDeleted();
  std::shared_lock lock(mu_);
  auto it = by_uid_.find(uid);
  if (it == by_uid_.end()) return Status(Errc::kNotFound, "Stream for the shard iterator no longer exists.");
  return fn(*it->second);
}

void Catalog::ForEachStream(std::string_view account, std::string_view region,
                            const std::function<void(const Stream&)>& fn) const {
  SweepDeleted();
  std::shared_lock lock(mu_);
  Key prefix = MakeKey({account, region, ""});
  for (auto it = streams_.lower_bound(prefix); it != streams_.end() && it->first.starts_with(prefix); ++it)
    fn(*it->second);
}

}  // namespace sluice::catalog
