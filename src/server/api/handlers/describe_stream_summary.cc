#include <algorithm>

#include "server/api/handlers/common.h"
#include "server/api/handlers/handler.h"
#include "server/api/handlers/throttle.h"
#include "server/api/stream_resolver.h"

namespace sluice::server::api {

Status HandleDescribeStreamSummary(HandlerArgs& a) {
  protocol::DescribeStreamSummaryRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  SLUICE_ASSIGN_OR_RETURN(auto target, ResolveStream(a.req.caller, r));
  SLUICE_RETURN_IF_ERROR(CheckControlRate(a, limits::ControlAction::kDescribeStreamSummary, target.name));
  int64_t now = a.ctx.clock->NowMillis();
  return a.ctx.catalog->Read(target.key(), [&](const catalog::Stream& s) -> Status {
    catalog::StreamStatus status = s.StatusAt(now);
    protocol::JsonWriter w(a.out);
    w.BeginObject();
    w.Key("StreamDescriptionSummary");
    w.BeginObject();
    // No StreamId: botocore bypasses the endpoint override when it sees one.
    w.Field("StreamName", s.name);
    w.Field("StreamARN", s.arn);
    w.Field("StreamStatus", catalog::StreamStatusName(status));
    WriteStreamModeDetails(w, s);
    w.FieldInt("RetentionPeriodHours", s.retention_hours);
    w.Key("StreamCreationTimestamp");
    w.TimestampMillis(s.created_ms);
    WriteEnhancedMonitoring(w, s);
    w.Field("EncryptionType", "NONE");
    w.FieldInt("OpenShardCount", status == catalog::StreamStatus::kCreating ? 0 : s.OpenShardCount());
    w.FieldInt("ConsumerCount", std::count_if(s.consumers.begin(), s.consumers.end(),
                                              [now](const catalog::Consumer& c) { return !c.GoneAt(now); }));
    w.FieldInt("MaxRecordSizeInKiB", s.max_record_size_kib);
    w.EndObject();
    w.EndObject();
    return Status::Ok();
  });
}

}  // namespace sluice::server::api
