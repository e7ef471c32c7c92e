#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "base/log.h"
#include "model/sequence_number.h"
#include "model/shard_id.h"
#include "server/api/error_mapping.h"
#include "server/api/handlers/put_path.h"

namespace sluice::server::api {
namespace {

// Per-request state that outlives the handler call when appends complete asynchronously.
struct PutRecordsState {
  struct Slot {
    uint32_t shard_index = 0;
    uint64_t first_offset = 0;
    bool failed = false;
  };
  std::vector<Slot> slots;
  std::vector<uint32_t> slot_of_record;
  std::atomic<size_t> pending{0};
  uint32_t epoch = 0;
  protocol::BodyEncoding encoding = protocol::BodyEncoding::kJson;
  ApiResponse* resp = nullptr;
  Completion done;
  std::vector<std::shared_ptr<storage::ShardLog>> logs;

  void Finish();
};

void PutRecordsState::Finish() {
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
    if (slot.failed) {
      ++failed_records;
      out.append("{\"ErrorCode\":\"InternalFailure\",\"ErrorMessage\":\"Internal service failure.\"}");
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
  out.append("],\"FailedRecordCount\":");
  out.append(std::to_string(failed_records));
  out.append(",\"EncryptionType\":\"NONE\"}");
  done();
}

}  // namespace

void HandlePutRecords(HandlerArgs& a, ApiResponse* resp, Completion done) {
  thread_local protocol::PutRecordsRequest r;
  // One reusable batch per shard slot touched by a request.
  thread_local std::vector<storage::RecordBatchBuilder> batches;

  auto fail = [&](const Status& st) {
    WriteError(st, a.req.encoding, resp);
    done();
  };
  Status st = a.decoder.Decode(a.req.body, &r);
  if (!st.ok()) return fail(st);
  auto t = ResolvePutTarget(a, r);
  if (!t.ok()) return fail(t.status());
  const PutTarget& target = t.value();

  uint64_t total = 0;
  for (size_t i = 0; i < r.records.size(); ++i) {
    size_t n = protocol::RequestDecoder::DecodedBase64Length(*r.records[i].data);
    if (n > target.max_record_bytes)
      return fail(RecordTooLarge(n, target.max_record_bytes, "records." + std::to_string(i + 1) + ".member.data"));
    total += n + r.records[i].partition_key->size();
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
    st = AppendDecoded(&batches[si], *e.partition_key, *e.data);
    if (!st.ok()) return fail(st);
  }

  // Nothing is written until every record decoded and routed: a bad request changes nothing.
  state->done = std::move(done);
  state->pending.store(state->slots.size());
  int64_t now = a.ctx.clock->NowMillis();
  for (size_t si = 0; si < state->slots.size(); ++si) {
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
