#include "base/json_escape.h"
#include "base/log.h"
#include "base/time_format.h"
#include "model/sequence_number.h"
#include "model/shard_id.h"
#include "server/api/handlers/common.h"
#include "server/api/handlers/handler.h"
#include "server/api/handlers/record_json.h"
#include "server/api/handlers/throttle.h"
#include "server/api/kinesis_metrics.h"
#include "server/api/stream_resolver.h"

namespace sluice::server::api {

Status HandleGetRecords(HandlerArgs& a) {
  protocol::GetRecordsRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  auto pos = model::DecodeShardIterator(a.ctx.iterator_key, *r.shard_iterator);
  if (!pos) return Status(Errc::kInvalidArgument, "Invalid ShardIterator.");
  int64_t now = a.ctx.clock->NowMillis();
  if (now - pos->issued_at_ms > a.ctx.options.iterator_ttl_ms) {
    return Status(Errc::kExpiredIterator, "Iterator expired. The iterator was created at time " +
                                              FormatJavaDate(pos->issued_at_ms) + " while right now it is " +
                                              FormatJavaDate(now) +
                                              " which is further in the future than the tolerated delay of " +
                                              std::to_string(a.ctx.options.iterator_ttl_ms) + " milliseconds.");
  }
  uint32_t limit = static_cast<uint32_t>(r.limit.value_or(10000));
  InjectLatency(a.ctx);

  return a.ctx.catalog->ReadByUid(pos->stream_uid, [&](const catalog::Stream& s) -> Status {
    if (r.stream_arn && *r.stream_arn != s.arn)
      return Status(Errc::kInvalidArgument,
                    "StreamARN " + std::string(*r.stream_arn) + " does not match the stream of the shard iterator.");
    if (s.account != a.req.caller.account_id || s.region != a.req.caller.region)
      return Status(Errc::kInvalidArgument, "Invalid ShardIterator.");
    if (pos->shard_index >= s.shards.size()) return Status(Errc::kInvalidArgument, "Invalid ShardIterator.");
    const catalog::Shard& sh = s.shards[pos->shard_index];
    if (a.log) {
      a.log->stream_name = s.name;
      a.log->shard_id = model::FormatShardId({sh.index});
    }
    const StreamRecorder* recorder = RecorderOf(s);
    GetRecordsCall call;
    call.shard = sh.index;
    auto record_failure = [&](const Status& st) {
      if (!recorder) return st;
      call.latency_us = ElapsedMicros(*a.ctx.clock, a.start_ns);
      call.throttled = st.code() == Errc::kThrottled;
      recorder->Record(call);
      return st;
    };
    if (Status st = AdmitGetRecords(a, s, sh.index); !st.ok()) return record_failure(st);
    storage::LogBounds bounds = sh.log->Bounds();
    uint64_t shard_end = sh.end_offset.value_or(UINT64_MAX);

    std::string* out = a.out;
    out->append("{\"Records\":[");
    bool first = true;
    storage::ReadLimits limits{limit, a.ctx.options.get_records_max_bytes};
    std::optional<model::SequenceNumberSequence> seq;
    uint64_t expected = 0;
    auto visit = [&](const storage::RecordView& rec) {
      if (!seq || rec.offset != expected) seq.emplace(s.epoch, sh.index, rec.offset);
      expected = rec.offset + 1;
      if (!first) out->push_back(',');
      first = false;
      AppendRecordJson(out, seq->Current(), rec);
      seq->Next();
    };
    // Records that expired while the consumer was away are skipped, as AWS does.
    uint64_t from = std::max(pos->offset, RetentionFloor(s, sh, now));
    Result<storage::ReadSummary> read = storage::ReadSummary{from, 0, 0, 0};
    if (from < shard_end) {
      read = sh.log->Read(from, limits, visit);
      if (!read.ok()) {
        SLOG(kError, "api", "read failed", {{"stream", s.name}, {"error", read.status().ToString()}});
        return record_failure(read.status());
      }
    }
    out->append("]");
    ChargeGetRecords(a, s, sh.index, read->bytes);
    uint64_t next = std::max(read->next_offset, from);
    bool drained_closed = sh.end_offset && next >= *sh.end_offset;
    if (!drained_closed) {
      out->append(",\"NextShardIterator\":");
      AppendJsonString(out, model::EncodeShardIterator(a.ctx.iterator_key, {s.uid, sh.index, next, now}));
    }
    int64_t behind = 0;
    if (next < bounds.end_offset && read->records > 0) behind = std::max<int64_t>(0, now - read->last_arrival_ms);
    out->append(",\"MillisBehindLatest\":");
    out->append(std::to_string(behind));
    if (drained_closed) {
      out->append(",\"ChildShards\":");
      AppendChildShardsJson(out, s, sh.index);
    }
    out->append("}");
    if (a.log) a.log->records = read->records;
    if (recorder) {
      call.success = true;
      call.bytes = read->bytes;
      call.records = static_cast<uint32_t>(read->records);
      // The age of the last record returned; 0 when nothing was returned because the reader is
      // caught up (at the tip, or past the end of a closed shard).
      if (read->records > 0) call.iterator_age_ms = std::max<int64_t>(0, now - read->last_arrival_ms);
      else if (next >= bounds.end_offset || drained_closed) call.iterator_age_ms = 0;
      call.latency_us = ElapsedMicros(*a.ctx.clock, a.start_ns);
      recorder->Record(call);
    }
    return Status::Ok();
  });
}

}  // namespace sluice::server::api
