#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "base/log.h"
#include "model/sequence_number.h"
#include "model/shard_id.h"
#include "protocol/aws_error.h"
#include "server/api/error_mapping.h"
#include "server/api/handlers/put_path.h"
#include "server/api/handlers/throttle.h"

namespace sluice::server::api {
namespace {

enum class Outcome : uint8_t { kOk, kThrottled, kInternal };

// Per-request state that outlives the handler call when appends complete asynchronously.
struct PutRecordsState {
  struct Slot {
    uint32_t shard_index = 0;
    uint64_t first_offset = 0;
    bool failed = false;
    // For the metrics: the records admitted to this shard and their bytes, and those refused.
    uint64_t bytes = 0;
    uint32_t records = 0;
    uint32_t throttled = 0;
    uint32_t internal = 0;
  };
  std::vector<Slot> slots;
  std::vector<uint32_t> slot_of_record;
  std::vector<Outcome> outcome;  // empty: every record was admitted
  std::atomic<size_t> pending{0};
  uint32_t epoch = 0;
  protocol::BodyEncoding encoding = protocol::BodyEncoding::kJson;
  ApiResponse* resp = nullptr;
  Completion done;
  std::string stream_name;
  std::string account;
  std::vector<std::shared_ptr<storage::ShardLog>> logs;
  std::shared_ptr<const StreamRecorder> recorder;  // null when metrics are off
  const Clock* clock = nullptr;
  int64_t start_ns = 0;

  void Finish();
  void RecordMetrics();
};

void PutRecordsState::RecordMetrics() {
  thread_local std::vector<PutRecordsShardPart> parts;
  parts.clear();
  PutRecordsCall call;
  call.latency_us = ElapsedMicros(*clock, start_ns);
  call.total = static_cast<uint32_t>(slot_of_record.size());
  for (const Slot& slot : slots) {
    // A failed append fails every record it carried.
    uint32_t ok = slot.failed ? 0 : slot.records;
    uint64_t bytes = slot.failed ? 0 : slot.bytes;
    call.successful += ok;
    call.bytes += bytes;
    call.throttled += slot.throttled;
    call.failed += slot.internal + (slot.failed ? slot.records : 0);
    parts.push_back({slot.shard_index, bytes, ok, slot.throttled});
  }
  call.shards = parts;
  recorder->Record(call);
}

void PutRecordsState::Finish() {
  if (recorder) RecordMetrics();
  std::string& out = resp->body;
  out.clear();
  out.reserve(64 + slot_of_record.size() * 110);
  std::vector<std::optional<model::SequenceNumberSequence>> seq(slots.size());
  std::vector<std::string> shard_ids(slots.size());
  size_t failed_records = 0;
  out.append("{\"Records\":[");
  for (size_t i = 0; i < slot_of_record.size(); ++i) {
    uint32_t si = slot_of_record[i];
    const Slot& slot = slots[si];
    if (i) out.push_back(',');
    Outcome o = outcome.empty() ? Outcome::kOk : outcome[i];
    if (o == Outcome::kThrottled) {
      ++failed_records;
      out.append("{\"ErrorCode\":\"")
          .append(protocol::RecordErrorCode(protocol::RecordError::kProvisionedThroughputExceeded))
          .append("\",\"ErrorMessage\":\"");
      out.append(ShardRateExceededMessage(slot.shard_index, stream_name, account));
      out.append("\"}");
      continue;
    }
    if (slot.failed || o == Outcome::kInternal) {
      ++failed_records;
      out.append("{\"ErrorCode\":\"")
          .append(protocol::RecordErrorCode(protocol::RecordError::kInternalFailure))
          .append("\",\"ErrorMessage\":\"Internal service failure.\"}");
      continue;
    }
    if (!seq[si]) {
      seq[si].emplace(epoch, slot.shard_index, slot.first_offset);
      shard_ids[si] = model::FormatShardId({slot.shard_index});
    }
    out.append("{\"SequenceNumber\":\"");
    out.append(seq[si]->Current());
    out.append("\",\"ShardId\":\"");
    out.append(shard_ids[si]);
    out.append("\"}");
    seq[si]->Next();
  }
  resp->log.failed_records = static_cast<int64_t>(failed_records);
  out.append("],\"FailedRecordCount\":");
  out.append(std::to_string(failed_records));
  out.append(",\"EncryptionType\":\"NONE\"}");
  done();
}

// Throughput limits and injected faults, per record. Each shard's records are admitted in request
// order under one lock; a slot that lost records is rebuilt from the request (only when
// throttling, so the unthrottled path decodes once).
void AdmitRecords(HandlerArgs& a, const PutTarget& t, const protocol::PutRecordsRequest& r,
                  std::span<const uint64_t> sizes, PutRecordsState* st,
                  std::vector<storage::RecordBatchBuilder>& batches) {
  size_t n = r.records.size(), nslots = st->slots.size();
  st->outcome.assign(n, Outcome::kOk);
  if (a.ctx.faults.enabled()) {
    InjectLatency(a.ctx);
    for (size_t i = 0; i < n; ++i) {
      Fault f = DrawFault(a.ctx);
      if (f != Fault::kNone) st->outcome[i] = f == Fault::kThrottle ? Outcome::kThrottled : Outcome::kInternal;
    }
  }
  // Records grouped by slot, in request order (counting sort).
  thread_local std::vector<uint32_t> begin, order, cursor;
  begin.assign(nslots + 1, 0);
  for (size_t i = 0; i < n; ++i) ++begin[st->slot_of_record[i] + 1];
  for (size_t si = 0; si < nslots; ++si) begin[si + 1] += begin[si];
  cursor.assign(begin.begin(), begin.end() - 1);
  order.resize(n);
  for (size_t i = 0; i < n; ++i) order[cursor[st->slot_of_record[i]]++] = static_cast<uint32_t>(i);

  thread_local std::vector<uint64_t> slot_sizes;
  thread_local std::vector<uint32_t> slot_records;
  thread_local std::vector<uint8_t> admitted;
  int64_t now = a.ctx.clock->NowMillis();
  for (size_t si = 0; si < nslots; ++si) {
    slot_sizes.clear();
    slot_records.clear();
    for (uint32_t k = begin[si]; k < begin[si + 1]; ++k) {
      uint32_t i = order[k];
      if (st->outcome[i] != Outcome::kOk) continue;
      slot_sizes.push_back(sizes[i]);
      slot_records.push_back(i);
    }
    if (DataPlaneLimited(a.ctx) && !slot_sizes.empty()) {
      admitted.resize(slot_sizes.size());
      a.ctx.limits->AdmitWrites(t.uid, st->slots[si].shard_index, now, slot_sizes, admitted.data(), t.max_record_bytes);
      for (size_t k = 0; k < slot_records.size(); ++k)
        if (!admitted[k]) st->outcome[slot_records[k]] = Outcome::kThrottled;
    }
    bool all_ok = std::all_of(order.begin() + begin[si], order.begin() + begin[si + 1],
                              [&](uint32_t i) { return st->outcome[i] == Outcome::kOk; });
    if (all_ok) continue;
    batches[si].Clear();
    for (uint32_t k = begin[si]; k < begin[si + 1]; ++k) {
      uint32_t i = order[k];
      if (st->outcome[i] != Outcome::kOk) continue;
      // Decoded successfully once already.
      AppendDecoded(&batches[si], *r.records[i].partition_key, *r.records[i].data).IgnoreError();
    }
  }
}

}  // namespace

void HandlePutRecords(HandlerArgs& a, ApiResponse* resp, Completion done) {
  thread_local protocol::PutRecordsRequest r;
  // One reusable batch per shard slot touched by a request.
  thread_local std::vector<storage::RecordBatchBuilder> batches;

  const StreamRecorder* recorder = nullptr;  // once the stream is known
  auto fail = [&](const Status& st) {
    if (recorder) {
      PutRecordsCall call;
      call.latency_us = ElapsedMicros(*a.ctx.clock, a.start_ns);
      call.rejected = true;
      recorder->Record(call);
    }
    WriteError(st, a.req.encoding, resp);
    done();
  };
  Status st = a.decoder.Decode(a.req.body, &r);
  if (!st.ok()) return fail(st);
  auto t = ResolvePutTarget(a, r);
  if (!t.ok()) return fail(t.status());
  const PutTarget& target = t.value();
  recorder = target.recorder.get();
  if (a.log) {
    a.log->stream_name = target.name;
    a.log->records = static_cast<int64_t>(r.records.size());
  }

  uint64_t total = 0;
  thread_local std::vector<uint64_t> sizes;
  sizes.resize(r.records.size());
  for (size_t i = 0; i < r.records.size(); ++i) {
    size_t n = protocol::RequestDecoder::DecodedBase64Length(*r.records[i].data);
    if (n > target.max_record_bytes)
      return fail(RecordTooLarge(n, target.max_record_bytes, "records." + std::to_string(i + 1) + ".member.data"));
    sizes[i] = n + r.records[i].partition_key->size();
    total += sizes[i];
  }
  uint64_t cap = target.max_record_bytes > 1024 * 1024 ? a.ctx.options.put_records_large_max_bytes
                                                       : a.ctx.options.put_records_max_bytes;
  if (total > cap) {
    return fail(Status(Errc::kInvalidArgument, "Records size exceeds " + std::to_string(cap / (1024 * 1024)) +
                                                   " MB limit: the request's data and partition keys total " +
                                                   std::to_string(total) + " bytes."));
  }

  auto state = std::make_shared<PutRecordsState>();
  state->epoch = target.epoch;
  state->encoding = a.req.encoding;
  state->resp = resp;
  state->slot_of_record.resize(r.records.size());
  // slot index per open shard, assigned on first use
  thread_local std::vector<int32_t> slot_for_route;
  slot_for_route.assign(target.routes->open_shards.size(), -1);
  for (size_t i = 0; i < r.records.size(); ++i) {
    const protocol::PutRecordsEntry& e = r.records[i];
    auto route = RouteRecord(target, *e.partition_key, e.explicit_hash_key);
    if (!route.ok()) return fail(route.status());
    size_t ri = static_cast<size_t>(route.value() - target.routes->open_shards.data());
    if (slot_for_route[ri] < 0) {
      slot_for_route[ri] = static_cast<int32_t>(state->slots.size());
      state->slots.push_back({route.value()->shard_index, 0, false});
      state->logs.push_back(route.value()->log);
      if (batches.size() < state->slots.size()) batches.emplace_back();
      batches[state->slots.size() - 1].Clear();
    }
    uint32_t si = static_cast<uint32_t>(slot_for_route[ri]);
    state->slot_of_record[i] = si;
    state->slots[si].bytes += sizes[i];
    ++state->slots[si].records;
    st = AppendDecoded(&batches[si], *e.partition_key, *e.data);
    if (!st.ok()) return fail(st);
  }

  if (DataPlaneLimited(a.ctx) || a.ctx.faults.enabled()) {
    state->stream_name = target.name;
    state->account = target.account;
    AdmitRecords(a, target, r, sizes, state.get(), batches);
    for (size_t i = 0; i < r.records.size(); ++i) {
      Outcome o = state->outcome[i];
      if (o == Outcome::kOk) continue;
      PutRecordsState::Slot& slot = state->slots[state->slot_of_record[i]];
      slot.bytes -= sizes[i];
      --slot.records;
      ++(o == Outcome::kThrottled ? slot.throttled : slot.internal);
    }
  }
  if (target.recorder) {
    state->recorder = target.recorder;
    state->clock = a.ctx.clock;
    state->start_ns = a.start_ns;
  }

  // Nothing is written until every record decoded and routed: a bad request changes nothing.
  state->done = std::move(done);
  size_t appends = 0;
  for (size_t si = 0; si < state->slots.size(); ++si) appends += !batches[si].empty();
  if (appends == 0) return state->Finish();
  state->pending.store(appends);
  int64_t now = a.ctx.clock->NowMillis();
  for (size_t si = 0; si < state->slots.size(); ++si) {
    if (batches[si].empty()) continue;  // every record of this shard was refused
    state->logs[si]->Append(batches[si], now, [state, si](Result<storage::AppendResult> res) {
      if (res.ok()) {
        state->slots[si].first_offset = res->first_offset;
      } else {
        state->slots[si].failed = true;
        SLOG(kError, "api", "append failed", {{"error", res.status().ToString()}});
      }
      if (state->pending.fetch_sub(1) == 1) state->Finish();
    });
  }
}

}  // namespace sluice::server::api
