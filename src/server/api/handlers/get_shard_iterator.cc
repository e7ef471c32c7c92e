#include "model/sequence_number.h"
#include "model/shard_id.h"
#include "server/api/handlers/common.h"
#include "server/api/handlers/handler.h"
#include "server/api/handlers/throttle.h"
#include "server/api/stream_resolver.h"

namespace sluice::server::api {
namespace {

Status InvalidSequence(std::string_view sn, const catalog::Stream& s, std::string_view shard_id) {
  return Status(Errc::kInvalidArgument, "StartingSequenceNumber " + std::string(sn) +
                                            " used in GetShardIterator on shard " + std::string(shard_id) +
                                            " in stream " + s.name + " under account " + s.account + " is invalid.");
}

}  // namespace

Status HandleGetShardIterator(HandlerArgs& a) {
  protocol::GetShardIteratorRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  SLUICE_ASSIGN_OR_RETURN(auto target, ResolveStream(a.req.caller, r));
  if (a.log) {
    a.log->stream_name = target.name;
    a.log->shard_id = *r.shard_id;
  }
  std::string_view type = *r.shard_iterator_type;
  bool by_sequence = type == "AT_SEQUENCE_NUMBER" || type == "AFTER_SEQUENCE_NUMBER";
  if (by_sequence != r.starting_sequence_number.has_value()) {
    return Status(Errc::kInvalidArgument,
                  "Request must either specify StartingSequenceNumber with ShardIteratorType AT_SEQUENCE_NUMBER or "
                  "AFTER_SEQUENCE_NUMBER, or omit StartingSequenceNumber with ShardIteratorType TRIM_HORIZON, LATEST "
                  "or AT_TIMESTAMP. ShardIteratorType was " +
                      std::string(type) + ".");
  }
  bool by_time = type == "AT_TIMESTAMP";
  if (by_time != r.timestamp.has_value()) {
    return Status(Errc::kInvalidArgument, by_time ? "Must specify timestamp if ShardIteratorType is AT_TIMESTAMP."
                                                  : "Timestamp can only be specified if ShardIteratorType is "
                                                    "AT_TIMESTAMP. ShardIteratorType was " +
                                                        std::string(type) + ".");
  }
  int64_t now = a.ctx.clock->NowMillis();
  if (by_time && *r.timestamp > now) {
    return Status(Errc::kInvalidArgument,
                  "The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. "
                  "timestampInMillis: " +
                      std::to_string(*r.timestamp) + ", currentTimestampInMillis: " + std::to_string(now));
  }
  InjectLatency(a.ctx);
  std::string token;
  SLUICE_RETURN_IF_ERROR(a.ctx.catalog->Read(target.key(), [&](const catalog::Stream& s) -> Status {
    SLUICE_RETURN_IF_ERROR(RequireDataPlane(s, now));
    const catalog::Shard* sh = FindShard(s, *r.shard_id);
    if (!sh) return ShardNotFound(s, *r.shard_id);
    SLUICE_RETURN_IF_ERROR(AdmitGetShardIterator(a, s, sh->index));
    storage::LogBounds b = sh->log->Bounds();
    uint64_t end = sh->end_offset.value_or(b.end_offset);
    uint64_t floor = RetentionFloor(s, *sh, now);
    uint64_t offset = 0;
    if (type == "TRIM_HORIZON") {
      offset = floor;
    } else if (type == "LATEST") {
      offset = end;
    } else if (by_time) {
      offset = std::max(sh->log->OffsetForTimestamp(*r.timestamp), floor);
    } else {
      auto sn = model::ParseSequenceNumber(*r.starting_sequence_number);
      if (!sn || sn->stream_epoch != s.epoch) return InvalidSequence(*r.starting_sequence_number, s, *r.shard_id);
      if (sn->shard_index != sh->index) {
        return Status(Errc::kInvalidArgument,
                      "Invalid StartingSequenceNumber. It encodes " + model::FormatShardId({sn->shard_index}) +
                          ", while it was used in a call to a shard with " + std::string(*r.shard_id));
      }
      // Positions, not records: AT n is the first record >= n, AFTER n the first > n.
      offset = type == "AT_SEQUENCE_NUMBER" ? sn->offset + (sn->sub != 0) : sn->offset + 1;
      offset = std::max(offset, floor);
    }
    token = model::EncodeShardIterator(a.ctx.iterator_key, {s.uid, sh->index, offset, now});
    return Status::Ok();
  }));
  protocol::JsonWriter w(a.out);
  w.BeginObject();
  w.Field("ShardIterator", token);
  w.EndObject();
  return Status::Ok();
}

}  // namespace sluice::server::api
