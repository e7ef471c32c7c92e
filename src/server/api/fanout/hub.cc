#include "server/api/fanout/hub.h"

#include <algorithm>
#include <chrono>

#include "server/api/fanout/subscription.h"

namespace sluice::server::api::fanout {
namespace {

// The timer thread re-reads the clock at least this often (a clock that jumps, a ManualClock).
constexpr int64_t kMaxTimerSleepMs = 1000;

}  // namespace

Hub::Hub(HubOptions options, const Clock* clock) : options_(options), clock_(clock) {
  timer_thread_ = std::thread([this] { TimerLoop(); });
}

Hub::~Hub() {
  {
    MutexLock l(&timer_mu_);
    stopping_ = true;
  }
  timer_cv_.SignalAll();
  timer_thread_.join();
}

Status Hub::Admit(std::string_view consumer_arn, uint32_t shard_index, int64_t now_ms) {
  MutexLock l(&mu_);
  SweepSlots(now_ms);
  Slot& slot = slots_[SlotKey(std::string(consumer_arn), shard_index)];
  std::shared_ptr<Subscription> live = slot.live.lock();
  if (live && live->over()) live.reset();
  const int64_t last_call = slot.last_call_ms;
  slot.last_call_ms = now_ms;
  if (live && now_ms - slot.started_ms < options_.takeover_after_ms) {
    return Status(Errc::kInUse, "Another active subscription exists for this consumer: " + std::string(consumer_arn) +
                                    " and shard: shardId-" + std::to_string(shard_index) + ". Retry after " +
                                    std::to_string(options_.takeover_after_ms / 1000) +
                                    " seconds, when the newer subscription replaces it.");
  }
  if (!live && last_call != 0 && now_ms - last_call < options_.min_call_interval_ms) {
    return Status(Errc::kLimitExceeded, "Rate exceeded for consumer " + std::string(consumer_arn) +
                                            " and shard shardId-" + std::to_string(shard_index) +
                                            ": one SubscribeToShard call per second is allowed.");
  }
  return Status::Ok();
}

void Hub::Register(const std::shared_ptr<Subscription>& sub) {
  std::shared_ptr<Subscription> replaced;
  {
    MutexLock l(&mu_);
    const SubscriptionSpec& spec = sub->spec();
    Slot& slot = slots_[SlotKey(spec.consumer_arn, spec.shard_index)];
    replaced = slot.live.lock();
    if (replaced && replaced->over()) replaced.reset();
    slot.live = sub;
    slot.started_ms = clock_->NowMillis();
    Tap& tap = taps_[ShardKey{spec.stream_uid, spec.shard_index}];
    if (!tap.tail) tap.tail = std::make_shared<ShardTail>(options_.tail_bytes);
    tap.subs.push_back({sub.get(), sub});
    sub->tail_ = tap.tail;
    ++live_;
    tap_count_.store(taps_.size(), std::memory_order_relaxed);
  }
  if (replaced && replaced != sub) {
    replaced->EndWithError(
        protocol::AwsErrorType::kResourceInUse,
        "A newer subscription of consumer " + sub->spec().consumer_arn + " to this shard took over.");
  }
}

void Hub::Unregister(Subscription* sub) {
  MutexLock l(&mu_);
  const SubscriptionSpec& spec = sub->spec();
  auto it = taps_.find(ShardKey{spec.stream_uid, spec.shard_index});
  if (it == taps_.end()) return;
  auto& subs = it->second.subs;
  auto found = std::find_if(subs.begin(), subs.end(), [&](const auto& e) { return e.first == sub; });
  if (found == subs.end()) return;
  subs.erase(found);
  --live_;
  if (subs.empty()) taps_.erase(it);  // the tail goes with its last subscriber
  tap_count_.store(taps_.size(), std::memory_order_relaxed);
}

void Hub::EndedNormally(const Subscription& sub) {
  MutexLock l(&mu_);
  auto it = slots_.find(SlotKey(sub.spec().consumer_arn, sub.spec().shard_index));
  if (it == slots_.end()) return;
  std::shared_ptr<Subscription> live = it->second.live.lock();
  if (live.get() == &sub) it->second.last_call_ms = 0;
}

void Hub::OnAppended(uint64_t stream_uid, uint32_t shard_index) {
  if (tap_count_.load(std::memory_order_relaxed) == 0) return;
  std::vector<std::weak_ptr<Subscription>> wake;
  {
    MutexLock l(&mu_);
    auto it = taps_.find(ShardKey{stream_uid, shard_index});
    if (it == taps_.end()) return;
    for (const auto& e : it->second.subs) wake.push_back(e.second);
  }
  for (const auto& w : wake)
    if (auto s = w.lock()) s->Wake();
}

void Hub::OnShardsChanged(uint64_t stream_uid) {
  if (tap_count_.load(std::memory_order_relaxed) == 0) return;
  std::vector<std::weak_ptr<Subscription>> wake;
  {
    MutexLock l(&mu_);
    for (const auto& [key, tap] : taps_)
      if (key.uid == stream_uid)
        for (const auto& e : tap.subs) wake.push_back(e.second);
  }
  for (const auto& w : wake)
    if (auto s = w.lock()) s->Wake();
}

std::shared_ptr<RegisteredCounterSet> Hub::ConsumerMetrics(KinesisMetrics* metrics, std::string_view consumer_arn,
                                                           uint64_t stream_uid, std::string_view stream_name,
                                                           std::string_view consumer_name) {
  if (!metrics) return nullptr;
  MutexLock l(&mu_);
  auto it = consumer_metrics_.find(consumer_arn);
  if (it != consumer_metrics_.end()) return it->second.cells;
  auto cells = metrics->RegisterConsumer(stream_name, consumer_name);
  consumer_metrics_.emplace(std::string(consumer_arn), ConsumerCells{stream_uid, cells});
  return cells;
}

void Hub::EndConsumerSubscriptions(std::string_view consumer_arn) {
  std::vector<std::shared_ptr<Subscription>> end;
  {
    MutexLock l(&mu_);
    if (auto it = consumer_metrics_.find(consumer_arn); it != consumer_metrics_.end()) consumer_metrics_.erase(it);
    for (const auto& [key, slot] : slots_)
      if (key.first == consumer_arn)
        if (auto s = slot.live.lock(); s && !s->over()) end.push_back(std::move(s));
  }
  for (const auto& s : end)
    s->EndWithError(protocol::AwsErrorType::kResourceNotFound,
                    "Consumer " + std::string(consumer_arn) + " was deregistered; its subscriptions have ended.");
}

void Hub::EndStreamSubscriptions(uint64_t stream_uid) {
  std::vector<std::shared_ptr<Subscription>> end;
  {
    MutexLock l(&mu_);
    std::erase_if(consumer_metrics_, [&](const auto& kv) { return kv.second.stream_uid == stream_uid; });
    for (const auto& [key, tap] : taps_)
      if (key.uid == stream_uid)
        for (const auto& e : tap.subs)
          if (auto s = e.second.lock()) end.push_back(std::move(s));
  }
  for (const auto& s : end)
    s->EndWithError(protocol::AwsErrorType::kResourceNotFound,
                    "Stream " + s->spec().stream_name + " was deleted; its subscriptions have ended.");
}

void Hub::SweepSlots(int64_t now_ms) {
  // Slots only matter while a subscription is live or a call was recent.
  if (slots_.size() < 2 * live_ + 64) return;
  std::erase_if(slots_, [&](const auto& kv) {
    return kv.second.live.expired() &&
           now_ms - kv.second.last_call_ms >= std::max(options_.min_call_interval_ms, options_.takeover_after_ms);
  });
}

size_t Hub::live_subscriptions() const {
  MutexLock l(&mu_);
  return live_;
}

TailStats Hub::TailTotals() const {
  std::vector<std::shared_ptr<ShardTail>> tails;
  {
    MutexLock l(&mu_);
    for (const auto& [key, tap] : taps_) tails.push_back(tap.tail);
  }
  TailStats total;
  for (const auto& t : tails) {
    TailStats s = t->Stats();
    total.log_reads += s.log_reads;
    total.direct_reads += s.direct_reads;
    total.bytes_from_log += s.bytes_from_log;
    total.bytes_served += s.bytes_served;
    total.memory_bytes += s.memory_bytes;
  }
  return total;
}

void Hub::WakeAt(const std::shared_ptr<Subscription>& sub, int64_t due_ms) {
  bool earliest = false;
  {
    MutexLock l(&timer_mu_);
    earliest = timers_.empty() || due_ms < timers_.begin()->first;
    timers_.emplace(due_ms, sub);
  }
  if (earliest) timer_cv_.SignalAll();
}

void Hub::RunDueTimers() {
  std::vector<std::weak_ptr<Subscription>> due;
  {
    MutexLock l(&timer_mu_);
    int64_t now = clock_->NowMillis();
    while (!timers_.empty() && timers_.begin()->first <= now) {
      due.push_back(std::move(timers_.begin()->second));
      timers_.erase(timers_.begin());
    }
  }
  for (const auto& w : due)
    if (auto s = w.lock()) s->Wake();
}

void Hub::TimerLoop() {
  for (;;) {
    RunDueTimers();
    MutexLock l(&timer_mu_);
    if (stopping_) return;
    int64_t wait_ms = kMaxTimerSleepMs;
    if (!timers_.empty()) wait_ms = std::clamp<int64_t>(timers_.begin()->first - clock_->NowMillis(), 0, wait_ms);
    if (wait_ms > 0) timer_cv_.WaitFor(&timer_mu_, std::chrono::milliseconds(wait_ms));
  }
}

}  // namespace sluice::server::api::fanout
