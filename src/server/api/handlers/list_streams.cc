#include <algorithm>

#include "server/api/handlers/common.h"
#include "server/api/handlers/handler.h"
#include "server/api/handlers/throttle.h"

namespace sluice::server::api {

Status HandleListStreams(HandlerArgs& a) {
  protocol::ListStreamsRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  SLUICE_RETURN_IF_ERROR(CheckControlRate(a, limits::ControlAction::kListStreams));
  int64_t now = a.ctx.clock->NowMillis();
  size_t limit = static_cast<size_t>(std::min<int64_t>(r.limit.value_or(100), 100));
  std::string after;
  if (r.next_token) {
    SLUICE_ASSIGN_OR_RETURN(auto fields,
                            DecodeNextToken(a.ctx.iterator_key, *r.next_token, now, a.ctx.options.next_token_ttl_ms));
    if (fields.size() != 2 || fields[0] != "ListStreams") return Status(Errc::kInvalidArgument, "Invalid NextToken.");
    after = fields[1];
  } else if (r.exclusive_start_stream_name) {
    after = *r.exclusive_start_stream_name;
  }
  struct Item {
    std::string name, arn;
    catalog::StreamStatus status;
    catalog::StreamMode mode;
    int64_t created_ms;
  };
  std::vector<Item> items;
  bool more = false;
  a.ctx.catalog->ForEachStream(a.req.caller.account_id, a.req.caller.region, [&](const catalog::Stream& s) {
    if (more || (!after.empty() && s.name <= after)) return;
    if (items.size() == limit) {
      more = true;
      return;
    }
    items.push_back({s.name, s.arn, s.StatusAt(now), s.mode, s.created_ms});
  });
  protocol::JsonWriter w(a.out);
  w.BeginObject();
  w.Key("StreamNames");
  w.BeginArray();
  for (const auto& it : items) w.String(it.name);
  w.EndArray();
  w.FieldBool("HasMoreStreams", more);
  if (more && !items.empty())
    w.Field("NextToken", EncodeNextToken(a.ctx.iterator_key, now, {"ListStreams", items.back().name}));
  w.Key("StreamSummaries");
  w.BeginArray();
  for (const auto& it : items) {
    w.BeginObject();
    w.Field("StreamName", it.name);
    w.Field("StreamARN", it.arn);
    w.Field("StreamStatus", catalog::StreamStatusName(it.status));
    w.Key("StreamModeDetails");
    w.BeginObject();
    w.Field("StreamMode", catalog::StreamModeName(it.mode));
    w.EndObject();
    w.Key("StreamCreationTimestamp");
    w.TimestampMillis(it.created_ms);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return Status::Ok();
}

}  // namespace sluice::server::api
