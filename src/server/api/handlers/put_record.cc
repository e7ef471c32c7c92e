#include "model/sequence_number.h"
#include "model/shard_id.h"
#include "protocol/json_writer.h"
#include "server/api/error_mapping.h"
#include "server/api/handlers/put_path.h"

namespace sluice::server::api {
namespace {

Status Prepare(HandlerArgs& a, protocol::PutRecordRequest& r, storage::RecordBatchBuilder* batch, PutTarget* target,
               const catalog::RouteTable::Entry** route) {
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  SLUICE_ASSIGN_OR_RETURN(*target, ResolvePutTarget(a, r));
  size_t data_bytes = protocol::RequestDecoder::DecodedBase64Length(*r.data);
  if (data_bytes > target->max_record_bytes) return RecordTooLarge(data_bytes, target->max_record_bytes, "data");
  if (r.sequence_number_for_ordering) {
    auto sn = model::ParseSequenceNumber(*r.sequence_number_for_ordering);
    if (!sn || sn->stream_epoch != target->epoch) {
      return Status(Errc::kInvalidArgument, "ExclusiveMinimumSequenceNumber " +
                                                std::string(*r.sequence_number_for_ordering) +
                                                " used in PutRecord on stream " + target->name + " under account " +
                                                target->account + " is invalid.");
    }
  }
  SLUICE_ASSIGN_OR_RETURN(*route, RouteRecord(*target, *r.partition_key, r.explicit_hash_key));
  batch->Clear();
  return AppendDecoded(batch, *r.partition_key, *r.data);
}

}  // namespace

void HandlePutRecord(HandlerArgs& a, ApiResponse* resp, Completion done) {
  thread_local protocol::PutRecordRequest r;
  thread_local storage::RecordBatchBuilder batch;
  PutTarget target;
  const catalog::RouteTable::Entry* route = nullptr;
  Status st = Prepare(a, r, &batch, &target, &route);
  if (a.log && !target.name.empty()) {
    a.log->stream_name = target.name;
    a.log->records = 1;
  }
  uint64_t record_bytes = 0;  // data + partition key, as the write limit counts them
  if (st.ok()) {
    record_bytes = batch.bytes().size() - storage::kRecordHeaderBytes;
    st = AdmitSingleWrite(a, target, route->shard_index, record_bytes);
  }
  if (!st.ok()) {
    if (target.recorder) {
      PutRecordCall call;
      call.latency_us = ElapsedMicros(*a.ctx.clock, a.start_ns);
      call.throttled = st.code() == Errc::kThrottled;
      call.shard = route ? int64_t{route->shard_index} : -1;
      target.recorder->Record(call);
    }
    WriteError(st, a.req.encoding, resp);
    done();
    return;
  }
  uint32_t epoch = target.epoch;
  uint32_t shard = route->shard_index;
  auto enc = a.req.encoding;
  // Keep the log alive until the append completes, even if the stream is deleted meanwhile.
  std::shared_ptr<storage::ShardLog> log = route->log;
  log->Append(batch, a.ctx.clock->NowMillis(),
              [resp, done = std::move(done), epoch, shard, enc, log, recorder = std::move(target.recorder),
               clock = a.ctx.clock, start_ns = a.start_ns, record_bytes](Result<storage::AppendResult> res) {
                if (recorder) {
                  PutRecordCall call;
                  call.latency_us = ElapsedMicros(*clock, start_ns);
                  call.success = res.ok();
                  call.shard = shard;
                  call.bytes = record_bytes;
                  recorder->Record(call);
                }
                if (!res.ok()) {
                  WriteError(res.status(), enc, resp);
                } else {
                  resp->body.clear();
                  protocol::JsonWriter w(&resp->body);
                  w.BeginObject();
                  w.Field("ShardId", model::FormatShardId({shard}));
                  w.Field("SequenceNumber", model::FormatSequenceNumber({epoch, shard, res->first_offset, 0}));
                  w.Field("EncryptionType", "NONE");
                  w.EndObject();
                }
                done();
              });
}

}  // namespace sluice::server::api
