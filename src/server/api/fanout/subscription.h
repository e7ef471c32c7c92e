#pragma once
// One SubscribeToShard response: a ResponseStream that sends the initial-response, then a
// SubscribeToShardEvent whenever the shard has records the subscriber has not had (pushed by
// the hub when appends are acknowledged), a heartbeat event after heartbeat_ms without one,
// the shard's ChildShards when it has been read to its end, and ends normally after
// lifetime_ms or with an exception frame (takeover, consumer or stream gone). It holds at most
// one encoded event: the transport pulls the next only when the previous one has been written,
// so a slow reader costs one event of memory, not a queue.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "catalog/catalog.h"
#include "protocol/aws_error.h"
#include "server/api/dispatcher.h"
#include "server/api/fanout/shard_tail.h"
#include "server/api/kinesis_metrics.h"

namespace sluice::server::api::fanout {

class Hub;

struct SubscriptionSpec {
  std::string consumer_arn;
  std::string consumer_name;
  std::string stream_name;
  uint64_t stream_uid = 0;
  uint32_t stream_epoch = 0;
  uint32_t shard_index = 0;
  uint64_t start_offset = 0;
  protocol::BodyEncoding encoding = protocol::BodyEncoding::kJson;
  // The consumer's SubscribeToShardEvent.* cells (null with metrics off).
  std::shared_ptr<RegisteredCounterSet> metrics;
};

class Subscription final : public ResponseStream, public std::enable_shared_from_this<Subscription> {
 public:
  Subscription(Hub* hub, catalog::Catalog* catalog, SubscriptionSpec spec);
  ~Subscription() override;

  // ResponseStream (connection thread).
  void Start(std::function<void()> wake) override EXCLUDES(signal_mu_);
  Pull Next(size_t max_bytes, std::string* out) override EXCLUDES(signal_mu_);
  void Cancel() override EXCLUDES(signal_mu_);

  // Any thread: asks the transport to call Next.
  void Wake() EXCLUDES(signal_mu_);
  // Any thread: the subscription ends with this exception frame once what it is sending is out.
  void EndWithError(protocol::AwsErrorType type, std::string message) EXCLUDES(signal_mu_);

  const SubscriptionSpec& spec() const { return spec_; }
  // True once the response is over (ended, cancelled): it no longer holds its (consumer, shard).
  bool over() const { return over_.load(std::memory_order_acquire); }

 private:
  Pull Drain(size_t max_bytes, std::string* out);
  // Encodes the next event into pending_ if there is one to send now; else schedules a wake.
  void Produce(int64_t now_ms);
  Status ProduceFrom(const catalog::Stream& s, int64_t now_ms);
  void AppendEventMessage(std::string_view event_type, std::string_view json);
  void EncodeException(protocol::AwsErrorType type, std::string_view message);
  // The continuation for a subscriber whose next record is at `offset`, none delivered.
  std::string PositionBefore(uint64_t offset) const;
  void ScheduleWake(int64_t due_ms, int64_t now_ms);
  void RecordEvent(const catalog::Stream& s, uint64_t bytes, uint32_t records, int64_t behind_ms);
  // `normal`: the lifetime or the shard ended (the client is expected to subscribe again at once).
  void Finish(bool normal = false);

  Hub* const hub_;
  catalog::Catalog* const catalog_;
  const SubscriptionSpec spec_;
  friend class Hub;
  std::shared_ptr<ShardTail> tail_;  // set by Hub::Register

  // Connection-thread state.
  uint64_t next_offset_;
  std::string pending_;  // the encoded message being written
  size_t pending_at_ = 0;
  std::string json_;  // scratch
  std::string cbor_;  // scratch
  bool initial_sent_ = false;
  int64_t started_ms_ = 0;
  int64_t last_event_ms_ = 0;
  int64_t timer_due_ms_ = INT64_MAX;
  double tokens_ = 0;
  int64_t refilled_ms_ = 0;

  // Shared with other threads.
  std::atomic<bool> over_{false};
  Mutex signal_mu_;
  std::function<void()> wake_ GUARDED_BY(signal_mu_);
  std::optional<std::pair<protocol::AwsErrorType, std::string>> error_ GUARDED_BY(signal_mu_);
  bool cancelled_ GUARDED_BY(signal_mu_) = false;
};

}  // namespace sluice::server::api::fanout
