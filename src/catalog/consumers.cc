// Enhanced fan-out consumers: registration, deregistration and lookup. A consumer lives in its
// stream's record (persisted with it, deleted with it); its status is computed from its times
// against the clock, like a stream's, and the sweep of deleted streams also removes consumers
// whose deletion delay has passed.
#include <algorithm>

#include "base/log.h"
#include "catalog/catalog.h"
#include "catalog/consumer_arn.h"
#include "catalog/stream_codec.h"

namespace sluice::catalog {

const Consumer* FindConsumer(const Stream& s, ConsumerSelector which, int64_t now_ms) {
  for (const Consumer& c : s.consumers) {
    if (c.GoneAt(now_ms)) continue;
    if (which.arn.empty() ? c.name == which.name : c.arn == which.arn) return &c;
  }
  return nullptr;
}

std::string Catalog::ConsumerNotFoundMessage(const Stream& s, ConsumerSelector which) {
  if (!which.arn.empty()) return "Consumer " + std::string(which.arn) + " not found.";
  return "Consumer " + std::string(which.name) + " under stream " + s.name + " under account " + s.account +
         " not found.";
}

void Catalog::ScheduleSweep(int64_t t) { next_sweep_ms_.store(std::min(next_sweep_ms_.load(), t)); }

void Catalog::CollectGoneConsumers(const Stream& s, int64_t now_ms, MetadataBatch* batch, int64_t* next) {
  bool any_gone = false;
  for (const Consumer& c : s.consumers) {
    if (!c.deleted_at_ms) continue;
    if (c.GoneAt(now_ms)) any_gone = true;
    else *next = std::min(*next, *c.deleted_at_ms);
  }
  if (!any_gone) return;
  Stream trimmed = s;
  std::erase_if(trimmed.consumers, [now_ms](const Consumer& c) { return c.GoneAt(now_ms); });
  batch->put_streams.push_back({s.uid, EncodeStream(trimmed)});
}

Result<Consumer> Catalog::RegisterConsumer(StreamKey stream, std::string_view consumer_name,
                                           const std::map<std::string, std::string>& tags) {
  SweepDeleted();
  int64_t now = clock_->NowMillis();
  WriterMutexLock lock(&mu_);
  SLUICE_ASSIGN_OR_RETURN(Stream * found, FindLocked(stream, now));
  Stream& live = *found;
  if (StreamStatus st = live.StatusAt(now); st != StreamStatus::kActive && st != StreamStatus::kUpdating)
    return Status(Errc::kInUse, NotActiveMessage(live, st));
  if (FindConsumer(live, ConsumerSelector::ByName(consumer_name), now)) {
    return Status(Errc::kInUse, "Consumer " + std::string(consumer_name) + " under stream " + live.name +
                                    " under account " + live.account + " already exists.");
  }
  size_t registered =
      std::count_if(live.consumers.begin(), live.consumers.end(), [now](const Consumer& c) { return !c.GoneAt(now); });
  if (registered >= options_.max_consumers_per_stream) {
    return Status(Errc::kLimitExceeded, "Stream " + live.name + " under account " + live.account + " already has " +
                                            std::to_string(registered) + " registered consumers; the limit is " +
                                            std::to_string(options_.max_consumers_per_stream) + ".");
  }
  uint32_t creating = 0;
  Key prefix = MakeKey({live.account, live.region, ""});
  for (auto it = streams_.lower_bound(prefix); it != streams_.end() && it->first.starts_with(prefix); ++it) {
    for (const Consumer& c : it->second->consumers)
      if (c.StatusAt(now) == ConsumerStatus::kCreating) ++creating;
  }
  if (creating >= options_.max_creating_consumers) {
    return Status(Errc::kLimitExceeded, "Account " + live.account + " already has " + std::to_string(creating) +
                                            " consumers in CREATING state; wait and retry.");
  }

  std::string epoch_key = live.arn + "/consumer/" + std::string(consumer_name);
  auto epoch_it = consumer_epochs_.find(epoch_key);
  uint32_t epoch = static_cast<uint32_t>(now / 1000);
  if (epoch_it != consumer_epochs_.end()) epoch = std::max(epoch, epoch_it->second + 1);
  Consumer c;
  c.name = consumer_name;
  c.arn = ConsumerArn(live.arn, consumer_name, epoch);
  c.created_ms = now;
  c.active_at_ms = now + options_.consumer_activate_delay_ms;
  c.tags = tags;
  Stream copy = live;
  copy.consumers.push_back(c);
  SLUICE_RETURN_IF_ERROR(Persist(copy));
  live.consumers.push_back(c);
  consumer_epochs_[std::move(epoch_key)] = epoch;
  SLOG(kInfo, "catalog", "consumer registered", {{"stream", live.name}, {"consumer", c.name}, {"arn", c.arn}});
  return c;
}

Result<Consumer> Catalog::DeregisterConsumer(StreamKey stream, ConsumerSelector which) {
  SweepDeleted();
  int64_t now = clock_->NowMillis();
  WriterMutexLock lock(&mu_);
  SLUICE_ASSIGN_OR_RETURN(Stream * found, FindLocked(stream, now));
  Stream& live = *found;
  const Consumer* c = FindConsumer(live, which, now);
  if (!c) return Status(Errc::kNotFound, ConsumerNotFoundMessage(live, which));
  if (c->deleted_at_ms) return *c;
  size_t index = static_cast<size_t>(c - live.consumers.data());
  Stream copy = live;
  copy.consumers[index].deleted_at_ms = now + options_.consumer_delete_delay_ms;
  SLUICE_RETURN_IF_ERROR(Persist(copy));
  live.consumers[index].deleted_at_ms = copy.consumers[index].deleted_at_ms;
  ScheduleSweep(*live.consumers[index].deleted_at_ms);
  SLOG(kInfo, "catalog", "consumer deregistering", {{"stream", live.name}, {"consumer", live.consumers[index].name}});
  return live.consumers[index];
}

Status Catalog::ReadConsumer(StreamKey stream, ConsumerSelector which,
                             const std::function<Status(const Stream&, const Consumer&)>& fn) const {
  int64_t now = clock_->NowMillis();
  ReaderMutexLock lock(&mu_);
  SLUICE_ASSIGN_OR_RETURN(const Stream* found, FindLocked(stream, now));
  const Consumer* c = FindConsumer(*found, which, now);
  if (!c) return Status(Errc::kNotFound, ConsumerNotFoundMessage(*found, which));
  return fn(*found, *c);
}

}  // namespace sluice::catalog
