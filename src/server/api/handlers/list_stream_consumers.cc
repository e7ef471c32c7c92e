#include <algorithm>
#include <tuple>
#include <vector>

#include "server/api/handlers/common.h"
#include "server/api/handlers/consumer_common.h"
#include "server/api/handlers/handler.h"
#include "server/api/handlers/throttle.h"

namespace sluice::server::api {
namespace {

constexpr int64_t kMaxPage = 100;  // larger MaxResults are served 100 at a time, as AWS does

}  // namespace

Status HandleListStreamConsumers(HandlerArgs& a) {
  protocol::ListStreamConsumersRequest r;
  SLUICE_RETURN_IF_ERROR(a.decoder.Decode(a.req.body, &r));
  protocol::StreamRef ref;
  ref.stream_arn = r.stream_arn;
  SLUICE_ASSIGN_OR_RETURN(auto target, ResolveStream(a.req.caller, ref));
  if (a.log) a.log->stream_name = target.name;
  SLUICE_RETURN_IF_ERROR(CheckControlRate(a, limits::ControlAction::kListStreamConsumers, target.name));
  int64_t now = a.ctx.clock->NowMillis();
  size_t limit = static_cast<size_t>(std::min(r.max_results.value_or(kMaxPage), kMaxPage));

  // The page cursor: the last consumer listed, by (creation time, name), and the stream
  // incarnation it was listed from.
  struct Cursor {
    int64_t created_ms = 0;
    std::string name;
  };
  std::optional<Cursor> after;
  std::string token_stream_created;
  if (r.next_token) {
    SLUICE_ASSIGN_OR_RETURN(auto fields,
                            DecodeNextToken(a.ctx.iterator_key, *r.next_token, now, a.ctx.options.next_token_ttl_ms));
    if (fields.size() != 5 || fields[0] != "ListStreamConsumers")
      return Status(Errc::kInvalidArgument, "Invalid NextToken.");
    if (fields[1] != target.name) {
      return Status(Errc::kInvalidArgument,
                    "NextToken was issued for another stream than " + std::string(*r.stream_arn) + ".");
    }
    token_stream_created = fields[2];
    after = Cursor{std::strtoll(fields[3].c_str(), nullptr, 10), fields[4]};
  }

  return a.ctx.catalog->Read(target.key(), [&](const catalog::Stream& s) -> Status {
    if (r.stream_creation_timestamp && *r.stream_creation_timestamp / 1000 != s.created_ms / 1000)
      return Status(Errc::kNotFound, catalog::Catalog::NotFoundMessage(s.name, s.account));
    // A token of a deleted and re-created stream of the same name lists nothing of the new one.
    if (!token_stream_created.empty() && token_stream_created != std::to_string(s.created_ms))
      return Status(Errc::kInvalidArgument, "Invalid NextToken.");
    std::vector<const catalog::Consumer*> listed;
    for (const catalog::Consumer& c : s.consumers) {
      if (c.GoneAt(now)) continue;
      if (after && std::tie(c.created_ms, c.name) <= std::tie(after->created_ms, after->name)) continue;
      listed.push_back(&c);
    }
    std::sort(listed.begin(), listed.end(), [](const catalog::Consumer* x, const catalog::Consumer* y) {
      return std::tie(x->created_ms, x->name) < std::tie(y->created_ms, y->name);
    });
    bool more = listed.size() > limit;
    if (more) listed.resize(limit);
    protocol::JsonWriter w(a.out);
    w.BeginObject();
    w.Key("Consumers");
    w.BeginArray();
    for (const catalog::Consumer* c : listed) WriteConsumer(w, *c, now);
    w.EndArray();
    if (more) {
      const catalog::Consumer& last = *listed.back();
      w.Field("NextToken", EncodeNextToken(a.ctx.iterator_key, now,
                                           {"ListStreamConsumers", s.name, std::to_string(s.created_ms),
                                            std::to_string(last.created_ms), last.name}));
    }
    w.EndObject();
    return Status::Ok();
  });
}

}  // namespace sluice::server::api
