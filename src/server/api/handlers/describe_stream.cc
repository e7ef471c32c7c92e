#include <algorithm>

#include "model/shard_id.h"
#include "server/api/handlers/common.h"
#include "server/api/handlers/handler.h"
#include "server/api/handlers/throttle.h"
#include "server/api/stream_resolver.h"

namespace sluice::server::api {

Status HandleDescribeStream(HandlerArgs& a) {
  protocol::DescribeStreamRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  SLUICE_ASSIGN_OR_RETURN(auto target, ResolveStream(a.req.caller, r));
  SLUICE_RETURN_IF_ERROR(CheckControlRate(a, limits::ControlAction::kDescribeStream, target.name));
  int64_t now = a.ctx.clock->NowMillis();
  // Values above 100 behave as 100, as AWS documents.
  size_t limit = static_cast<size_t>(std::min<int64_t>(r.limit.value_or(100), 100));
  return a.ctx.catalog->Read(target.key(), [&](const catalog::Stream& s) -> Status {
    catalog::StreamStatus status = s.StatusAt(now);
    protocol::JsonWriter w(a.out);
    w.BeginObject();
    w.Key("StreamDescription");
    w.BeginObject();
    w.Field("StreamName", s.name);
    w.Field("StreamARN", s.arn);
    w.Field("StreamStatus", catalog::StreamStatusName(status));
    WriteStreamModeDetails(w, s);
    w.Key("Shards");
    w.BeginArray();
    bool more = false;
    if (status != catalog::StreamStatus::kCreating) {
      size_t n = 0;
      for (const auto& sh : s.shards) {
        if (r.exclusive_start_shard_id && model::FormatShardId({sh.index}) <= *r.exclusive_start_shard_id) continue;
        if (ShardExpired(s, sh, now)) continue;
        if (n == limit) {
          more = true;
          break;
        }
        WriteShardJson(w, s, sh);
        ++n;
      }
    }
    w.EndArray();
    w.FieldBool("HasMoreShards", more);
    w.FieldInt("RetentionPeriodHours", s.retention_hours);
    w.Key("StreamCreationTimestamp");
    w.TimestampMillis(s.created_ms);
    WriteEnhancedMonitoring(w, s);
    w.Field("EncryptionType", "NONE");
    w.EndObject();
    w.EndObject();
    return Status::Ok();
  });
}

}  // namespace sluice::server::api
