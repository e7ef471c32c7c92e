#include <algorithm>
#include <climits>

#include "model/shard_id.h"
#include "server/api/handlers/common.h"
#include "server/api/handlers/handler.h"
#include "server/api/handlers/throttle.h"
#include "server/api/stream_resolver.h"

namespace sluice::server::api {
namespace {

// Whether a shard passes the ShardFilter, judged by the times it was open.
bool PassesFilter(const catalog::Stream& s, const catalog::Shard& sh, const protocol::ShardFilter& f,
                  int64_t trim_horizon_ms) {
  std::string_view type = *f.type;
  auto open_at = [&](int64_t t) {
    t = std::max(t, s.created_ms);
    return sh.created_ms <= t && (!sh.closed_ms || *sh.closed_ms >= t);
  };
  if (type == "AT_LATEST") return sh.is_open();
  if (type == "AT_TRIM_HORIZON") return open_at(trim_horizon_ms);
  if (type == "AT_TIMESTAMP") return open_at(*f.timestamp);
  if (type == "FROM_TIMESTAMP") {
    int64_t t = std::max(*f.timestamp, trim_horizon_ms);
    return sh.is_open() || *sh.closed_ms >= t;
  }
  if (type == "FROM_TRIM_HORIZON") return sh.is_open() || *sh.closed_ms >= trim_horizon_ms;
  return true;  // AFTER_SHARD_ID: applied as an exclusive start id
}

}  // namespace

Status HandleListShards(HandlerArgs& a) {
  protocol::ListShardsRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  int64_t now = a.ctx.clock->NowMillis();
  size_t limit = static_cast<size_t>(std::min<int64_t>(r.max_results.value_or(1000), 1000));

  protocol::StreamRef ref;
  std::string after_id;
  std::optional<protocol::ShardFilter> filter = r.shard_filter;
  std::string token_name, token_filter_type, token_filter_ts;
  if (r.next_token) {
    if (r.stream_name || r.stream_arn || r.exclusive_start_shard_id || r.stream_creation_timestamp) {
      return Status(Errc::kInvalidArgument,
                    "NextToken and StreamName/StreamARN/ExclusiveStartShardId/StreamCreationTimestamp cannot be "
                    "provided together.");
    }
    SLUICE_ASSIGN_OR_RETURN(auto fields,
                            DecodeNextToken(a.ctx.iterator_key, *r.next_token, now, a.ctx.options.next_token_ttl_ms));
    if (fields.size() != 5 || fields[0] != "ListShards") return Status(Errc::kInvalidArgument, "Invalid NextToken.");
    token_name = fields[1];
    after_id = fields[2];
    token_filter_type = fields[3];
    token_filter_ts = fields[4];
    ref.stream_name = token_name;
    if (!token_filter_type.empty()) {
      filter.emplace();
      filter->type = token_filter_type;
      if (!token_filter_ts.empty()) filter->timestamp = std::strtoll(token_filter_ts.c_str(), nullptr, 10);
    }
  } else {
    if (!r.stream_name && !r.stream_arn)
      return Status(Errc::kInvalidArgument, "Either NextToken or StreamName/StreamARN should be provided.");
    ref = r;
    if (r.exclusive_start_shard_id) after_id = *r.exclusive_start_shard_id;
  }
  if (filter) {
    std::string_view type = *filter->type;
    if (type == "AFTER_SHARD_ID") {
      if (!filter->shard_id && r.next_token == std::nullopt)
        return Status(Errc::kInvalidArgument, "ShardId must be provided when ShardFilter Type is AFTER_SHARD_ID.");
      if (filter->shard_id && std::string(*filter->shard_id) > after_id) after_id = *filter->shard_id;
    } else if (filter->shard_id) {
      return Status(Errc::kInvalidArgument, "ShardId should be provided only when ShardFilter Type is AFTER_SHARD_ID.");
    }
    if ((type == "AT_TIMESTAMP" || type == "FROM_TIMESTAMP") && !filter->timestamp)
      return Status(Errc::kInvalidArgument,
                    "Timestamp must be provided when ShardFilter Type is " + std::string(type) + ".");
    if (type != "AT_TIMESTAMP" && type != "FROM_TIMESTAMP" && filter->timestamp)
      return Status(Errc::kInvalidArgument,
                    "Timestamp should be provided only when ShardFilter Type is AT_TIMESTAMP "
                    "or FROM_TIMESTAMP.");
  }
  SLUICE_ASSIGN_OR_RETURN(auto target, ResolveStream(a.req.caller, ref));
  SLUICE_RETURN_IF_ERROR(CheckControlRate(a, limits::ControlAction::kListShards, target.name));

  return a.ctx.catalog->Read(target.key(), [&](const catalog::Stream& s) -> Status {
    if (r.stream_creation_timestamp && *r.stream_creation_timestamp / 1000 != s.created_ms / 1000)
      return Status(Errc::kNotFound, catalog::Catalog::NotFoundMessage(s.name, s.account));
    if (s.StatusAt(now) == catalog::StreamStatus::kCreating) {
      return Status(Errc::kInUse, "Stream " + s.name + " under account " + s.account +
                                      " is in CREATING state; shards are not available yet.");
    }
    int64_t trim_horizon = now - int64_t{s.retention_hours} * 3600 * 1000;
    protocol::JsonWriter w(a.out);
    w.BeginObject();
    w.Key("Shards");
    w.BeginArray();
    size_t n = 0;
    std::string last_id;
    bool more = false;
    for (const auto& sh : s.shards) {
      std::string id = model::FormatShardId({sh.index});
      if (!after_id.empty() && id <= after_id) continue;
      if (ShardExpired(s, sh, now)) continue;
      if (filter && !PassesFilter(s, sh, *filter, trim_horizon)) continue;
      if (n == limit) {
        more = true;
        break;
      }
      WriteShardJson(w, s, sh);
      last_id = id;
      ++n;
    }
    w.EndArray();
    if (more) {
      std::string ft = filter ? std::string(*filter->type) : "";
      std::string fts = filter && filter->timestamp ? std::to_string(*filter->timestamp) : "";
      w.Field("NextToken", EncodeNextToken(a.ctx.iterator_key, now, {"ListShards", s.name, last_id, ft, fts}));
    }
    w.EndObject();
    return Status::Ok();
  });
}

}  // namespace sluice::server::api
