#pragma once
// The enhanced fan-out hub: every live SubscribeToShard subscription, the shared tail of each
// shard that has subscribers, the wake-ups that push new records as soon as they are
// acknowledged (no polling), the timers for heartbeats, lifetimes and the per-subscription
// rate, and the (consumer, shard) slots behind the 1-call-per-second and 5-second takeover
// rules. Threads: subscriptions run on their connection's io thread; appends arrive on the
// storage commit thread; timers fire on the hub's own thread.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/mutex.h"
#include "base/status.h"
#include "base/thread_annotations.h"
#include "catalog/shard_events.h"
#include "server/api/api_context.h"
#include "server/api/fanout/shard_tail.h"
#include "server/api/kinesis_metrics.h"

namespace sluice::server::api::fanout {

struct HubOptions {
  int64_t heartbeat_ms = 5000;           // an event at least this often while idle
  int64_t lifetime_ms = 300'000;         // a subscription ends normally after this
  int64_t takeover_after_ms = 5000;      // a newer subscription of the same consumer and shard wins after this
  int64_t min_call_interval_ms = 1000;   // SubscribeToShard calls per consumer and shard
  uint64_t bytes_per_second = 0;         // per subscription; 0 = unlimited (`--limits aws`: 2 MiB)
  size_t tail_bytes = 4 * 1024 * 1024;   // shared tail kept per subscribed shard
  size_t max_event_bytes = 1024 * 1024;  // record data per event (at least one record)
};

class Subscription;

class Hub final : public FanOutControl, public catalog::ShardEventListener {
 public:
  Hub(HubOptions options, const Clock* clock);
  ~Hub() override;
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  const HubOptions& options() const { return options_; }
  const Clock* clock() const { return clock_; }

  // The 1-call-per-second and 5-second rules for a new subscription of (consumer, shard):
  // kLimitExceeded when calls come faster than one a second without a live subscription,
  // kInUse while a subscription younger than takeover_after_ms is live; otherwise the new one
  // is admitted and an older live one will end with a ResourceInUse frame once `sub` is
  // registered (Register).
  Status Admit(std::string_view consumer_arn, uint32_t shard_index, int64_t now_ms) EXCLUDES(mu_);
  // Makes `sub` the live subscription of its (consumer, shard) and connects it to its shard's
  // shared tail and wake-ups. Before the transport starts it.
  void Register(const std::shared_ptr<Subscription>& sub) EXCLUDES(mu_);
  void Unregister(Subscription* sub) EXCLUDES(mu_);
  // The subscription ended normally (lifetime, shard end): the next call for its (consumer,
  // shard) is not held to the one-call-per-second rule, so clients resubscribe without a refusal.
  void EndedNormally(const Subscription& sub) EXCLUDES(mu_);

  // Calls sub->Wake() at (or soon after) due_ms on the clock.
  void WakeAt(const std::shared_ptr<Subscription>& sub, int64_t due_ms) EXCLUDES(timer_mu_);
  // Fires every timer due by now (the timer thread does this; tests with a ManualClock call it).
  void RunDueTimers() EXCLUDES(timer_mu_);

  // FanOutControl.
  void EndConsumerSubscriptions(std::string_view consumer_arn) override EXCLUDES(mu_);
  void EndStreamSubscriptions(uint64_t stream_uid) override EXCLUDES(mu_);
  // catalog::ShardEventListener.
  void OnAppended(uint64_t stream_uid, uint32_t shard_index) override EXCLUDES(mu_);
  void OnShardsChanged(uint64_t stream_uid) override EXCLUDES(mu_);

  // The consumer's fan-out metric cells, registered once per consumer and kept until it is
  // deregistered or its stream deleted (null when metrics are off).
  std::shared_ptr<RegisteredCounterSet> ConsumerMetrics(KinesisMetrics* metrics, std::string_view consumer_arn,
                                                        uint64_t stream_uid, std::string_view stream_name,
                                                        std::string_view consumer_name) EXCLUDES(mu_);

  size_t live_subscriptions() const EXCLUDES(mu_);
  // Sum over the shared tails alive now.
  TailStats TailTotals() const EXCLUDES(mu_);

 private:
  struct ShardKey {
    uint64_t uid;
    uint32_t shard;
    bool operator==(const ShardKey&) const = default;
  };
  struct ShardKeyHash {
    size_t operator()(const ShardKey& k) const {
      return std::hash<uint64_t>()(k.uid * 0x9E3779B97F4A7C15ull ^ k.shard);
    }
  };
  struct Tap {
    std::shared_ptr<ShardTail> tail;
    std::vector<std::pair<Subscription*, std::weak_ptr<Subscription>>> subs;
  };
  struct Slot {
    std::weak_ptr<Subscription> live;
    int64_t started_ms = 0;
    int64_t last_call_ms = 0;
  };
  using SlotKey = std::pair<std::string, uint32_t>;  // consumer ARN, shard

  void TimerLoop();
  void SweepSlots(int64_t now_ms) REQUIRES(mu_);

  const HubOptions options_;
  const Clock* clock_;

  mutable Mutex mu_;
  std::unordered_map<ShardKey, Tap, ShardKeyHash> taps_ GUARDED_BY(mu_);
  std::map<SlotKey, Slot> slots_ GUARDED_BY(mu_);
  struct ConsumerCells {
    uint64_t stream_uid = 0;
    std::shared_ptr<RegisteredCounterSet> cells;
  };
  std::map<std::string, ConsumerCells, std::less<>> consumer_metrics_ GUARDED_BY(mu_);
  size_t live_ GUARDED_BY(mu_) = 0;
  // Read without the lock on the append path: no tap, nothing to do.
  std::atomic<size_t> tap_count_{0};

  Mutex timer_mu_;
  CondVar timer_cv_;
  std::multimap<int64_t, std::weak_ptr<Subscription>> timers_ GUARDED_BY(timer_mu_);
  bool stopping_ GUARDED_BY(timer_mu_) = false;
  std::thread timer_thread_;
};

}  // namespace sluice::server::api::fanout
