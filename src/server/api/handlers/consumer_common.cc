#include "server/api/handlers/consumer_common.h"

#include "catalog/consumer_arn.h"

namespace sluice::server::api {
namespace {

Result<ResolvedStream> ResolveStreamArn(const CallerIdentity& caller, std::string_view stream_arn) {
  protocol::StreamRef ref;
  ref.stream_arn = stream_arn;
  return ResolveStream(caller, ref);
}

}  // namespace

Result<ConsumerTarget> ResolveConsumer(const CallerIdentity& caller, const protocol::ConsumerRef& ref) {
  ConsumerTarget t;
  if (ref.consumer_arn) {
    SLUICE_ASSIGN_OR_RETURN(t.stream, ResolveConsumerArn(caller, *ref.consumer_arn));
    SLUICE_ASSIGN_OR_RETURN(auto parts, catalog::ParseConsumerArn(*ref.consumer_arn));
    t.arn = *ref.consumer_arn;
    t.name = parts.consumer;
    if (ref.stream_arn) {
      SLUICE_ASSIGN_OR_RETURN(auto named, ResolveStreamArn(caller, *ref.stream_arn));
      if (named.name != t.stream.name) {
        return Status(Errc::kInvalidArgument,
                      "ConsumerARN " + t.arn + " does not belong to stream " + std::string(*ref.stream_arn) + ".");
      }
    }
    if (ref.consumer_name && *ref.consumer_name != t.name) {
      return Status(Errc::kInvalidArgument, "ConsumerARN " + t.arn + " and ConsumerName " +
                                                std::string(*ref.consumer_name) +
                                                " do not refer to the same consumer.");
    }
    return t;
  }
  if (!ref.stream_arn || !ref.consumer_name) {
    return Status(Errc::kInvalidArgument, "Either ConsumerARN or both StreamARN and ConsumerName must be provided.");
  }
  SLUICE_ASSIGN_OR_RETURN(t.stream, ResolveStreamArn(caller, *ref.stream_arn));
  t.name = *ref.consumer_name;
  return t;
}

void WriteConsumer(protocol::JsonWriter& w, const catalog::Consumer& c, int64_t now_ms, std::string_view stream_arn) {
  w.BeginObject();
  w.Field("ConsumerName", c.name);
  w.Field("ConsumerARN", c.arn);
  w.Field("ConsumerStatus", catalog::ConsumerStatusName(c.StatusAt(now_ms)));
  w.Key("ConsumerCreationTimestamp");
  w.TimestampMillis(c.created_ms);
  if (!stream_arn.empty()) w.Field("StreamARN", stream_arn);
  w.EndObject();
}

Status WriteConsumerByArn(catalog::Catalog* catalog, const ResolvedStream& stream, std::string_view arn, int64_t now_ms,
                          const std::function<Status(catalog::Consumer&)>& fn) {
  return catalog->Write(stream.key(), [&](catalog::Stream& s) -> Status {
    auto which = catalog::ConsumerSelector::ByArn(arn);
    const catalog::Consumer* c = catalog::FindConsumer(s, which, now_ms);
    if (!c) return Status(Errc::kNotFound, catalog::Catalog::ConsumerNotFoundMessage(s, which));
    return fn(s.consumers[static_cast<size_t>(c - s.consumers.data())]);
  });
}

void LogConsumer(CallLogFields* log, const ConsumerTarget& t) {
  if (!log) return;
  log->stream_name = t.stream.name;
  log->consumer_name = t.name;
}

}  // namespace sluice::server::api
