#include "server/api/fanout/subscription.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "base/json_escape.h"
#include "base/log.h"
#include "model/sequence_number.h"
#include "protocol/cbor.h"
#include "protocol/event_stream.h"
#include "server/api/fanout/hub.h"
#include "server/api/handlers/common.h"
#include "server/api/handlers/record_json.h"

namespace sluice::server::api::fanout {
namespace km = kinesis_metrics;

namespace {

constexpr std::string_view kJsonContentType = "application/json";
constexpr std::string_view kCborContentType = "application/x-amz-cbor-1.1";
constexpr std::string_view kEventType = "SubscribeToShardEvent";
constexpr uint32_t kMaxEventRecords = 10000;
// Scratch kept between events; larger buffers (events of big records) are freed once sent.
constexpr size_t kKeptBufferBytes = 64 * 1024;

}  // namespace

Subscription::Subscription(Hub* hub, catalog::Catalog* catalog, SubscriptionSpec spec)
    : hub_(hub), catalog_(catalog), spec_(std::move(spec)), next_offset_(spec_.start_offset) {
  started_ms_ = hub_->clock()->NowMillis();
  last_event_ms_ = started_ms_;
  refilled_ms_ = started_ms_;
  tokens_ = static_cast<double>(hub_->options().bytes_per_second);
}

Subscription::~Subscription() { hub_->Unregister(this); }

void Subscription::Start(std::function<void()> wake) {
  MutexLock l(&signal_mu_);
  if (!cancelled_) wake_ = std::move(wake);
}

void Subscription::Cancel() {
  over_.store(true, std::memory_order_release);
  {
    MutexLock l(&signal_mu_);
    cancelled_ = true;
    wake_ = nullptr;
  }
  hub_->Unregister(this);
}

void Subscription::Wake() {
  MutexLock l(&signal_mu_);
  if (wake_) wake_();
}

void Subscription::EndWithError(protocol::AwsErrorType type, std::string message) {
  MutexLock l(&signal_mu_);
  if (!error_) error_.emplace(type, std::move(message));
  if (wake_) wake_();
}

void Subscription::Finish(bool normal) {
  over_.store(true, std::memory_order_release);
  hub_->Unregister(this);
  if (normal) hub_->EndedNormally(*this);
}

ResponseStream::Pull Subscription::Drain(size_t max_bytes, std::string* out) {
  size_t n = std::min(max_bytes, pending_.size() - pending_at_);
  out->append(pending_, pending_at_, n);
  pending_at_ += n;
  if (pending_at_ == pending_.size()) {
    pending_.clear();
    pending_at_ = 0;
    // An idle subscription should not keep the buffers of its largest event.
    if (pending_.capacity() > kKeptBufferBytes) std::string().swap(pending_);
    if (json_.capacity() > kKeptBufferBytes) std::string().swap(json_);
    if (cbor_.capacity() > kKeptBufferBytes) std::string().swap(cbor_);
  }
  return Pull::kData;
}

ResponseStream::Pull Subscription::Next(size_t max_bytes, std::string* out) {
  if (!pending_.empty()) return Drain(max_bytes, out);
  if (over()) return Pull::kEnd;
  std::optional<std::pair<protocol::AwsErrorType, std::string>> error;
  {
    MutexLock l(&signal_mu_);
    error = std::move(error_);
    error_.reset();
  }
  if (error) {
    EncodeException(error->first, error->second);
    Finish();
    return Drain(max_bytes, out);
  }
  if (!initial_sent_) {
    // The first message of every subscription (botocore refuses a stream without it; the
    // Java SDK reports the response on it).
    initial_sent_ = true;
    AppendEventMessage("initial-response", "{}");
    return Drain(max_bytes, out);
  }
  int64_t now = hub_->clock()->NowMillis();
  if (now - started_ms_ >= hub_->options().lifetime_ms) {
    // The normal end: the client subscribes again from its last continuation.
    Finish(/*normal=*/true);
    return Pull::kEnd;
  }
  Produce(now);
  if (!pending_.empty()) return Drain(max_bytes, out);
  return over() ? Pull::kEnd : Pull::kWait;
}

void Subscription::AppendEventMessage(std::string_view event_type, std::string_view json) {
  pending_.clear();
  pending_at_ = 0;
  if (spec_.encoding != protocol::BodyEncoding::kCbor) {
    protocol::eventstream::AppendEvent(&pending_, event_type, kJsonContentType, json);
    return;
  }
  // CBOR subscribers get CBOR payloads (records' Data as byte strings, timestamps tagged), by
  // the same transcoding as every other CBOR response.
  cbor_.clear();
  if (Status st = protocol::JsonToCbor(json, &cbor_); !st.ok()) {
    SLOG(kError, "fanout", "CBOR event encoding failed", {{"error", st.ToString()}});
    EncodeException(protocol::AwsErrorType::kInternalFailure, "Internal service failure.");
    Finish();
    return;
  }
  protocol::eventstream::AppendEvent(&pending_, event_type, kCborContentType, cbor_);
}

void Subscription::EncodeException(protocol::AwsErrorType type, std::string_view message) {
  json_.clear();
  json_.append("{\"message\":");
  AppendJsonString(&json_, message);
  json_.push_back('}');
  std::string_view payload = json_;
  std::string_view content_type = kJsonContentType;
  if (spec_.encoding == protocol::BodyEncoding::kCbor) {
    cbor_.clear();
    if (protocol::JsonToCbor(json_, &cbor_).ok()) {
      payload = cbor_;
      content_type = kCborContentType;
    }
  }
  pending_.clear();
  pending_at_ = 0;
  protocol::eventstream::AppendException(&pending_, protocol::AwsErrorName(type), content_type, payload);
}

std::string Subscription::PositionBefore(uint64_t offset) const {
  // One below the record at `offset`: AT and AFTER it both start there. Before offset 0 the
  // offset field wraps (2^64-1), documented in docs/formats/sequence-number.md.
  return model::FormatSequenceNumber({spec_.stream_epoch, spec_.shard_index, offset - 1, UINT64_MAX});
}

void Subscription::ScheduleWake(int64_t due_ms, int64_t now_ms) {
  if (timer_due_ms_ > now_ms && timer_due_ms_ <= due_ms) return;  // an earlier timer is pending
  timer_due_ms_ = due_ms;
  hub_->WakeAt(shared_from_this(), due_ms);
}

void Subscription::Produce(int64_t now_ms) {
  Status st = catalog_->ReadByUid(spec_.stream_uid, [&](const catalog::Stream& s) -> Status {
    if (s.epoch != spec_.stream_epoch || s.deleted_at_ms || spec_.shard_index >= s.shards.size())
      return Status(Errc::kNotFound, "");
    return ProduceFrom(s, now_ms);
  });
  if (st.ok()) return;
  if (st.code() == Errc::kNotFound) {
    EncodeException(protocol::AwsErrorType::kResourceNotFound, "Stream " + spec_.stream_name +
                                                                   " was deleted; the subscription of consumer " +
                                                                   spec_.consumer_arn + " has ended.");
  } else {
    SLOG(kError, "fanout", "subscription read failed",
         {{"stream", spec_.stream_name}, {"consumer", spec_.consumer_name}, {"error", st.ToString()}});
    EncodeException(protocol::AwsErrorType::kInternalFailure, "Internal service failure.");
  }
  Finish();
}

Status Subscription::ProduceFrom(const catalog::Stream& s, int64_t now_ms) {
  const catalog::Shard& sh = s.shards[spec_.shard_index];
  const HubOptions& opt = hub_->options();
  // Records that expired while the subscriber was slow are skipped, as GetRecords does.
  next_offset_ = std::max(next_offset_, RetentionFloor(s, sh, now_ms));
  storage::LogBounds bounds = sh.log->Bounds();
  uint64_t tip = sh.end_offset ? std::min(*sh.end_offset, bounds.end_offset) : bounds.end_offset;
  if (sh.end_offset && next_offset_ >= *sh.end_offset) {
    // The shard is closed and fully delivered: ChildShards and no continuation, the KCL's
    // shard-end signal. Sent again to a subscriber that starts here.
    json_.assign("{\"Records\":[],\"MillisBehindLatest\":0,\"ChildShards\":");
    AppendChildShardsJson(&json_, s, sh.index);
    json_.push_back('}');
    AppendEventMessage(kEventType, json_);
    RecordEvent(s, 0, 0, 0);
    Finish(/*normal=*/true);
    return Status::Ok();
  }
  int64_t deadline = started_ms_ + opt.lifetime_ms;
  if (next_offset_ < tip) {
    uint64_t budget = opt.max_event_bytes;
    if (opt.bytes_per_second > 0) {
      double rate = static_cast<double>(opt.bytes_per_second);
      tokens_ = std::min(rate, tokens_ + rate * static_cast<double>(now_ms - refilled_ms_) / 1000.0);
      refilled_ms_ = now_ms;
      if (tokens_ <= 0) {
        // Over the consumer's per-shard rate: resume when the bucket is positive again.
        ScheduleWake(std::min(deadline, now_ms + 1 + static_cast<int64_t>(std::ceil(-tokens_ * 1000.0 / rate))),
                     now_ms);
        return Status::Ok();
      }
      budget = std::min<uint64_t>(budget, static_cast<uint64_t>(tokens_));
    }
    json_.assign("{\"Records\":[");
    std::optional<model::SequenceNumberSequence> seq;
    uint64_t expected = 0;
    bool first = true;
    auto visit = [&](const storage::RecordView& rec) {
      if (!seq || rec.offset != expected) seq.emplace(s.epoch, sh.index, rec.offset);
      expected = rec.offset + 1;
      if (!first) json_.push_back(',');
      first = false;
      AppendRecordJson(&json_, seq->Current(), rec);
      seq->Next();
    };
    storage::ReadLimits limits{kMaxEventRecords, std::max<uint64_t>(budget, 1)};
    SLUICE_ASSIGN_OR_RETURN(storage::ReadSummary sum, tail_->Read(*sh.log, next_offset_, tip, limits, visit));
    if (sum.records > 0) {
      uint64_t last = sum.next_offset - 1;
      next_offset_ = sum.next_offset;
      if (opt.bytes_per_second > 0) tokens_ -= static_cast<double>(sum.bytes);
      int64_t behind = next_offset_ < tip ? std::max<int64_t>(0, now_ms - sum.last_arrival_ms) : 0;
      json_.append("],\"ContinuationSequenceNumber\":\"");
      json_.append(model::FormatSequenceNumber({s.epoch, sh.index, last, 0}));
      json_.append("\",\"MillisBehindLatest\":");
      json_.append(std::to_string(behind));
      json_.push_back('}');
      AppendEventMessage(kEventType, json_);
      last_event_ms_ = now_ms;
      RecordEvent(s, sum.bytes, sum.records, behind);
      return Status::Ok();
    }
    next_offset_ = std::max(next_offset_, sum.next_offset);
  }
  if (now_ms - last_event_ms_ >= opt.heartbeat_ms) {
    // Idle: an empty event with the current position keeps clients (and their 10 s
    // no-event timers) quiet.
    json_.assign("{\"Records\":[],\"ContinuationSequenceNumber\":\"");
    json_.append(PositionBefore(next_offset_));
    json_.append("\",\"MillisBehindLatest\":0}");
    AppendEventMessage(kEventType, json_);
    last_event_ms_ = now_ms;
    RecordEvent(s, 0, 0, 0);
    return Status::Ok();
  }
  ScheduleWake(std::min(deadline, last_event_ms_ + opt.heartbeat_ms), now_ms);
  return Status::Ok();
}

void Subscription::RecordEvent(const catalog::Stream& s, uint64_t bytes, uint32_t records, int64_t behind_ms) {
  if (spec_.metrics) {
    auto scope = spec_.metrics->set().Begin();
    scope.Add(km::kSubscribeToShardEventBytes, static_cast<int64_t>(bytes));
    scope.Add(km::kSubscribeToShardEventRecords, records);
    scope.Add(km::kSubscribeToShardEventMillisBehindLatest, behind_ms);
    scope.Add(km::kSubscribeToShardEventSuccess, 1);
  }
  if (records == 0) return;
  const StreamRecorder* rec = RecorderOf(s);
  metrics::CounterSet* sh = rec ? rec->shard(spec_.shard_index) : nullptr;
  if (!sh) return;
  auto scope = sh->Begin();
  if (rec->shard_metric_on(km::kShardOutgoingBytes)) scope.Add(km::kShardOutgoingBytes, static_cast<int64_t>(bytes));
  if (rec->shard_metric_on(km::kShardOutgoingRecords)) scope.Add(km::kShardOutgoingRecords, records);
}

}  // namespace sluice::server::api::fanout
