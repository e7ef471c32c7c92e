#include "server/api/handlers/starting_position.h"

#include <algorithm>
#include <string>

#include "model/sequence_number.h"
#include "model/shard_id.h"
#include "server/api/handlers/common.h"

namespace sluice::server::api {

Status CheckStartingPosition(const StartingPosition& p, int64_t now_ms) {
  std::string_view type = p.type;
  bool by_sequence = type == "AT_SEQUENCE_NUMBER" || type == "AFTER_SEQUENCE_NUMBER";
  if (by_sequence != p.sequence_number.has_value()) {
    return Status(Errc::kInvalidArgument,
                  "Request must either specify StartingSequenceNumber with ShardIteratorType AT_SEQUENCE_NUMBER or "
                  "AFTER_SEQUENCE_NUMBER, or omit StartingSequenceNumber with ShardIteratorType TRIM_HORIZON, LATEST "
                  "or AT_TIMESTAMP. ShardIteratorType was " +
                      std::string(type) + ".");
  }
  bool by_time = type == "AT_TIMESTAMP";
  if (by_time != p.timestamp_ms.has_value()) {
    return Status(Errc::kInvalidArgument, by_time ? "Must specify timestamp if ShardIteratorType is AT_TIMESTAMP."
                                                  : "Timestamp can only be specified if ShardIteratorType is "
                                                    "AT_TIMESTAMP. ShardIteratorType was " +
                                                        std::string(type) + ".");
  }
  if (by_time && *p.timestamp_ms > now_ms) {
    return Status(Errc::kInvalidArgument,
                  "The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. "
                  "timestampInMillis: " +
                      std::to_string(*p.timestamp_ms) + ", currentTimestampInMillis: " + std::to_string(now_ms));
  }
  return Status::Ok();
}

Result<uint64_t> StartingOffset(const catalog::Stream& s, const catalog::Shard& sh, const StartingPosition& p,
                                std::string_view operation, int64_t now_ms) {
  const std::string shard_id = model::FormatShardId({sh.index});
  storage::LogBounds b = sh.log->Bounds();
  uint64_t end = sh.end_offset.value_or(b.end_offset);
  uint64_t floor = RetentionFloor(s, sh, now_ms);
  if (p.type == "TRIM_HORIZON") return floor;
  if (p.type == "LATEST") return end;
  if (p.type == "AT_TIMESTAMP") return std::max(sh.log->OffsetForTimestamp(*p.timestamp_ms), floor);
  std::string_view text = *p.sequence_number;
  auto sn = model::ParseSequenceNumber(text);
  if (!sn || sn->stream_epoch != s.epoch) {
    return Status(Errc::kInvalidArgument, "StartingSequenceNumber " + std::string(text) + " used in " +
                                              std::string(operation) + " on shard " + shard_id + " in stream " +
                                              s.name + " under account " + s.account + " is invalid.");
  }
  if (sn->shard_index != sh.index) {
    return Status(Errc::kInvalidArgument, "Invalid StartingSequenceNumber. It encodes " +
                                              model::FormatShardId({sn->shard_index}) +
                                              ", while it was used in a call to a shard with " + shard_id);
  }
  // Positions, not records: AT n is the first record >= n, AFTER n the first > n. The position
  // before a shard's first record is written with offset 2^64-1 (docs/formats/sequence-number.md),
  // so both wrap to 0 there.
  uint64_t offset = p.type == "AT_SEQUENCE_NUMBER" ? sn->offset + (sn->sub != 0) : sn->offset + 1;
  return std::max(offset, floor);
}

}  // namespace sluice::server::api
